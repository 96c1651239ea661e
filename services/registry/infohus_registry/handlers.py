"""Registry's Kafka handlers: thin, each calls one use case."""

from infohus_contracts.case.events import CaseEvent
from infohus_contracts.case.topics import CASE_EVENTS
from infohus_platform.messaging.consumer import Delivery, consumer
from infohus_platform.runtime import Runtime

from .service import registrations


def register_handlers(runtime: Runtime) -> None:
    @consumer(runtime, CASE_EVENTS)
    async def on_case_event(event: CaseEvent, delivery: Delivery) -> None:
        await registrations.record_case_event(runtime, delivery.session, event)
