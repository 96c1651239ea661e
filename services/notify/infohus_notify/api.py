"""Notify's HTTP API."""

from uuid import UUID

from fastapi import APIRouter

from infohus_platform.service import RuntimeDep

from .storage import Notification, NotificationRepository

router = APIRouter(prefix="/api/v1", tags=["notifications"])


@router.get("/notifications", response_model=list[Notification])
async def notifications(concern_id: UUID, runtime: RuntimeDep) -> list[Notification]:
    async with runtime.db.session() as session:
        return await NotificationRepository(session).for_concern(str(concern_id))
