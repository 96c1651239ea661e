"""Notify's Kafka handlers."""

from faststream.kafka import KafkaMessage

from infohus_contracts.notifications import NotificationRequested
from infohus_contracts.topics import NOTIFY_REQUESTS
from infohus_platform.kafka import subscribe
from infohus_platform.messaging import consume_once
from infohus_platform.service import Runtime

from .domain import DIGITAL_POST, initial_status
from .storage import Notification, NotificationRepository


def register_handlers(runtime: Runtime) -> None:
    @subscribe(runtime.broker, runtime.settings, NOTIFY_REQUESTS)
    async def on_notification_requested(request: NotificationRequested, message: KafkaMessage) -> None:
        async with runtime.db.session() as session:
            if not await consume_once(session, message.headers["ce_id"], NOTIFY_REQUESTS.name):
                return
            repository = NotificationRepository(session)
            if await repository.get(str(request.notification_id)) is None:
                status, reason = initial_status(request)
                repository.add(
                    Notification(
                        notification_id=str(request.notification_id),
                        concern_id=str(request.concern_id),
                        municipality_code=request.municipality_code,
                        kind=request.kind.value,
                        recipient=request.recipient,
                        channel=DIGITAL_POST,
                        status=status,
                        status_reason=reason,
                        created_at=request.requested_at,
                    )
                )
            await session.commit()
