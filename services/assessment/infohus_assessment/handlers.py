"""Assessment's Kafka handlers: thin; the rules are in ``workflow`` and ``domain``."""

from infohus_contracts.case.events import ConcernReceived
from infohus_contracts.case.topics import CONCERN_RECEIVED, ERASURE
from infohus_platform.audit import processing_log
from infohus_platform.audit.erasure import is_erased, register_erasure
from infohus_platform.messaging.consumer import Delivery, consumer
from infohus_platform.runtime import Runtime

from .storage import erasure_deletes
from .workflow import Workflow


def register_handlers(runtime: Runtime) -> None:
    register_erasure(runtime, ERASURE, erasure_deletes)

    @consumer(runtime, CONCERN_RECEIVED)
    async def on_concern_received(concern: ConcernReceived, delivery: Delivery) -> None:
        session = delivery.session
        if await is_erased(session, str(concern.concern_id)):
            return  # a replay of an erased concern recreates nothing
        case = await Workflow(runtime, session).open_case(concern)
        if case is not None:
            await processing_log.record(
                session, actor="service:assessment", action="case.open", subjects=[case.concern_id],
                data_classes=["identity", "social", "narrative", "special_category", "process"],
                purpose="prevention",
            )
