"""Notify's Kafka handlers: thin. Each records what it was given (``service``) and wakes the dispatcher."""

from collections.abc import Callable

from infohus_contracts.base.aggregates import AggregateReport
from infohus_contracts.base.summons import MeetingSummonsRequested
from infohus_contracts.base.topics import NETWORK_AGGREGATES, NETWORK_SUMMONS
from infohus_contracts.case.notifications import NotificationRequested
from infohus_contracts.case.topics import ERASURE, NOTIFY_REQUESTS
from infohus_platform.audit.erasure import register_erasure
from infohus_platform.messaging.consumer import Delivery, consumer
from infohus_platform.runtime import Runtime

from .service.context import Context
from .service.notices import receive_request, receive_summons
from .service.partners import queue_partner_events, wanted_by_a_partner
from .storage import NotificationRepository, erasure_deletes


def register_handlers(runtime: Runtime, ctx: Context, wake: Callable[[], None]) -> None:
    register_erasure(runtime, ERASURE, erasure_deletes)

    @consumer(runtime, NOTIFY_REQUESTS, wake=wake)
    async def on_notification_requested(request: NotificationRequested, delivery: Delivery) -> None:
        await receive_request(NotificationRepository(delivery.session), ctx, request, event_type=delivery.event_type,
                              event_id=delivery.event_id, headers=delivery.headers)

    @consumer(runtime, NETWORK_SUMMONS, wake=wake)
    async def on_meeting_summons_requested(summons: MeetingSummonsRequested, delivery: Delivery) -> None:
        await receive_summons(NotificationRepository(delivery.session), ctx, summons)

    @consumer(runtime, NETWORK_AGGREGATES, accepts=lambda headers: wanted_by_a_partner(ctx, headers), wake=wake)
    async def on_aggregate(report: AggregateReport, delivery: Delivery) -> None:
        await queue_partner_events(NotificationRepository(delivery.session), ctx, event_type=delivery.event_type,
                                   event_id=delivery.event_id, headers=delivery.headers, body=report)
