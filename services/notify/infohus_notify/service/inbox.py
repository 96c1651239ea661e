"""The in-app inbox ("indbakke"): what the dispatcher put there for a user or their roles, of the notices of
the user's own municipalities (a police coordinator: the district's) and their district network's meetings."""

from infohus_platform.auth import Guard
from infohus_platform.runtime import Runtime

from ..storage import InboxItem, NotificationRepository
from .scope import inbox_resource, own_scope


async def inbox_of(runtime: Runtime, guard: Guard, owner: str | None = None) -> list[InboxItem]:
    """The caller's own inbox (``owner`` another's is refused by the policy), within the caller's scope."""
    principal = guard.principal
    await guard.require("inbox.read", inbox_resource(principal, owner or principal.user_id))
    within = own_scope(principal).within()
    async with runtime.db.session() as session:
        return await NotificationRepository(session).inbox(principal.user_id, principal.roles, within=within)
