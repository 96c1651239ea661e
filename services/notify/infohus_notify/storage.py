"""Notify's tables."""

from datetime import datetime

from sqlmodel import Field, SQLModel, select
from sqlmodel.ext.asyncio.session import AsyncSession


class Notification(SQLModel, table=True):
    """One message owed to someone, and what became of it."""

    __tablename__ = "notification"

    notification_id: str = Field(primary_key=True, max_length=36)
    concern_id: str = Field(max_length=36, index=True)
    municipality_code: str = Field(max_length=3)
    kind: str = Field(max_length=32)
    recipient: str = Field(max_length=32)
    channel: str = Field(max_length=32)
    status: str = Field(max_length=32)
    status_reason: str | None = Field(default=None, max_length=200)
    created_at: datetime


TABLES = (Notification,)


class NotificationRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def get(self, notification_id: str) -> Notification | None:
        return await self.session.get(Notification, notification_id)

    def add(self, notification: Notification) -> None:
        self.session.add(notification)

    async def for_concern(self, concern_id: str) -> list[Notification]:
        query = select(Notification).where(Notification.concern_id == concern_id).order_by(Notification.created_at)
        return list((await self.session.exec(query)).all())
