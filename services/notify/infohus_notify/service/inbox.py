"""The in-app inbox ("indbakke"): what the dispatcher put there for a user or their roles."""

from infohus_platform.runtime import Runtime

from ..storage import InboxItem, NotificationRepository


async def inbox_of(runtime: Runtime, user_id: str | None, roles: list[str]) -> list[InboxItem]:
    async with runtime.db.session() as session:
        return await NotificationRepository(session).inbox(user_id, roles)
