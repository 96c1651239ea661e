"""Assessment's Kafka handlers: thin; each calls one use case (``service``)."""

from infohus_contracts.case.events import ConcernReceived
from infohus_contracts.case.topics import CONCERN_RECEIVED, ERASURE
from infohus_platform.audit.erasure import register_erasure
from infohus_platform.messaging.consumer import Delivery, consumer
from infohus_platform.runtime import Runtime

from .service.cases import open_case_for_concern
from .storage import erasure_deletes


def register_handlers(runtime: Runtime) -> None:
    register_erasure(runtime, ERASURE, erasure_deletes)

    @consumer(runtime, CONCERN_RECEIVED)
    async def on_concern_received(concern: ConcernReceived, delivery: Delivery) -> None:
        await open_case_for_concern(runtime, delivery.session, concern)
