"""What notify's routes take besides the platform's runtime and guard: its context, and a way to wake the
dispatcher after queueing something."""

from collections.abc import Callable
from typing import Annotated, Any

from fastapi import Depends, Request

from infohus_platform.auth import resource
from infohus_platform.runtime import Runtime

from ..service.context import Context


def context_of(request: Request) -> Context:
    return request.app.state.notify


def wake_of(request: Request) -> Callable[[], None]:
    return request.app.state.dispatcher.wake


ContextDep = Annotated[Context, Depends(context_of)]
WakeDep = Annotated[Callable[[], None], Depends(wake_of)]


def controller_scope(runtime: Runtime) -> dict[str, Any]:
    """The delivery log belongs to this instance's controller, e.g. kommune-820 -> municipality 820."""
    org = runtime.settings.infohus_org
    code = org.removeprefix("kommune-") if org.startswith("kommune-") else None
    return resource("delivery", code, org=org)
