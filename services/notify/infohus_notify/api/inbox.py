"""The in-app inbox: a signed-in user's own notifications, and those for their roles, within their scope."""

from fastapi import APIRouter

from infohus_platform.auth import GuardDep
from infohus_platform.runtime import RuntimeDep

from ..schemas import InboxItemPublic
from ..service import inbox as inbox_cases

router = APIRouter(prefix="/api/v1", tags=["notifications"])


@router.get("/inbox", response_model=list[InboxItemPublic])
async def inbox(runtime: RuntimeDep, guard: GuardDep, user: str | None = None) -> list[InboxItemPublic]:
    """The signed-in user's in-app notifications, and those for their roles. Only one's own (the access
    policy's ``inbox.read``), and only of the user's own municipalities or police district."""
    return [InboxItemPublic.of(i) for i in await inbox_cases.inbox_of(runtime, guard, owner=user)]
