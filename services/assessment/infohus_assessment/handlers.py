"""Assessment's Kafka handlers: thin; the rules are in ``workflow`` and ``domain``."""

from faststream.kafka import KafkaMessage

from infohus_contracts.events import ConcernReceived
from infohus_contracts.topics import CONCERN_RECEIVED
from infohus_platform import processing_log
from infohus_platform.erasure import is_erased, register_erasure
from infohus_platform.kafka import subscribe
from infohus_platform.messaging import consume_once
from infohus_platform.runtime import Runtime

from .storage import erasure_deletes
from .workflow import Workflow


def register_handlers(runtime: Runtime) -> None:
    register_erasure(runtime, erasure_deletes)

    @subscribe(runtime.broker, runtime.settings, CONCERN_RECEIVED)
    async def on_concern_received(concern: ConcernReceived, message: KafkaMessage) -> None:
        async with runtime.db.session() as session:
            if not await consume_once(session, message.headers["ce_id"], CONCERN_RECEIVED.name):
                return
            if await is_erased(session, str(concern.concern_id)):
                await session.commit()  # a replay of an erased concern recreates nothing
                return
            case = await Workflow(runtime, session).open_case(concern)
            if case is not None:
                await processing_log.record(
                    session, actor="service:assessment", action="case.open", subject_ref=case.concern_id,
                    data_classes=["identity", "social", "narrative", "special_category", "process"],
                    purpose="prevention", is_postgres=runtime.db.is_postgres,
                )
            await session.commit()
        runtime.relay.wake()
