"""Notify's Kafka handlers: record the request (and the inbox entry) in one transaction, then wake the dispatcher."""

from faststream.kafka import KafkaMessage

from infohus_contracts.aggregates import AggregateReport
from infohus_contracts.notifications import NotificationRequested
from infohus_contracts.topics import NETWORK_AGGREGATES, NOTIFY_REQUESTS
from infohus_platform.erasure import register_erasure
from infohus_platform.kafka import subscribe
from infohus_platform.messaging import consume_once
from infohus_platform.runtime import Runtime

from .notices import Context, queue_partner_events, record_request
from .storage import NotificationRepository, erasure_deletes


def _headers(message: KafkaMessage) -> dict[str, str]:
    return {k: v.decode() if isinstance(v, bytes) else v for k, v in (message.headers or {}).items()
            if isinstance(v, str | bytes)}


def register_handlers(runtime: Runtime, ctx: Context, wake) -> None:
    register_erasure(runtime, erasure_deletes)

    @subscribe(runtime.broker, runtime.settings, NOTIFY_REQUESTS)
    async def on_notification_requested(request: NotificationRequested, message: KafkaMessage) -> None:
        headers = _headers(message)
        async with runtime.db.session() as session:
            if not await consume_once(session, headers["ce_id"], NOTIFY_REQUESTS.name):
                return
            repository = NotificationRepository(session)
            await record_request(repository, ctx, request)
            await queue_partner_events(repository, ctx, event_type=headers["ce_type"], event_id=headers["ce_id"],
                                       headers=headers, body=request)
            await session.commit()
        wake()

    @subscribe(runtime.broker, runtime.settings, NETWORK_AGGREGATES)
    async def on_aggregate(report: AggregateReport, message: KafkaMessage) -> None:
        headers = _headers(message)
        if not any(headers["ce_type"] in partner.event_types for partner in ctx.partners):
            return
        async with runtime.db.session() as session:
            if not await consume_once(session, headers["ce_id"], NETWORK_AGGREGATES.name):
                return
            await queue_partner_events(NotificationRepository(session), ctx, event_type=headers["ce_type"],
                                       event_id=headers["ce_id"], headers=headers, body=report)
            await session.commit()
        wake()
