"""Notify's Kafka handlers: thin. Each records what it was given (``notices``) and wakes the dispatcher."""

from collections.abc import Callable

from infohus_contracts.base.aggregates import AggregateReport
from infohus_contracts.base.summons import MeetingSummonsRequested
from infohus_contracts.base.topics import NETWORK_AGGREGATES, NETWORK_SUMMONS
from infohus_contracts.case.notifications import NotificationRequested
from infohus_contracts.case.topics import ERASURE, NOTIFY_REQUESTS
from infohus_platform.audit.erasure import register_erasure
from infohus_platform.messaging.consumer import Delivery, consumer
from infohus_platform.runtime import Runtime

from .notices import Context, network_summons, queue_partner_events, record_request
from .storage import NotificationRepository, erasure_deletes


def register_handlers(runtime: Runtime, ctx: Context, wake: Callable[[], None]) -> None:
    register_erasure(runtime, ERASURE, erasure_deletes)

    @consumer(runtime, NOTIFY_REQUESTS, wake=wake)
    async def on_notification_requested(request: NotificationRequested, delivery: Delivery) -> None:
        repository = NotificationRepository(delivery.session)
        await record_request(repository, ctx, request)
        await queue_partner_events(repository, ctx, event_type=delivery.event_type, event_id=delivery.event_id,
                                   headers=delivery.headers, body=request)

    @consumer(runtime, NETWORK_SUMMONS, wake=wake)
    async def on_meeting_summons_requested(summons: MeetingSummonsRequested, delivery: Delivery) -> None:
        await record_request(NotificationRepository(delivery.session), ctx, network_summons(summons))

    def wanted_by_a_partner(headers: dict[str, str]) -> bool:
        return any(headers.get("ce_type") in partner.event_types for partner in ctx.partners)

    @consumer(runtime, NETWORK_AGGREGATES, accepts=wanted_by_a_partner, wake=wake)
    async def on_aggregate(report: AggregateReport, delivery: Delivery) -> None:
        await queue_partner_events(NotificationRepository(delivery.session), ctx, event_type=delivery.event_type,
                                   event_id=delivery.event_id, headers=delivery.headers, body=report)
