"""Assessment's Kafka handlers: thin; the rules are in ``domain``."""

from uuid import uuid4

from faststream.kafka import KafkaMessage

from infohus_contracts.events import CaseOpened, ConcernDetails, ConcernReceived
from infohus_contracts.topics import CASE_EVENTS, CONCERN_RECEIVED
from infohus_platform.kafka import subscribe
from infohus_platform.messaging import Share, consume_once, stage_event, utcnow
from infohus_platform.service import Runtime

from .domain import age_at, lead_for
from .storage import Case, CaseRepository


def register_handlers(runtime: Runtime) -> None:
    @subscribe(runtime.broker, runtime.settings, CONCERN_RECEIVED)
    async def on_concern_received(concern: ConcernReceived, message: KafkaMessage) -> None:
        async with runtime.db.session() as session:
            if not await consume_once(session, message.headers["ce_id"], CONCERN_RECEIVED.name):
                return
            repository = CaseRepository(session)
            if await repository.by_concern(str(concern.concern_id)) is None:
                opened_at = utcnow()
                age = age_at(concern, opened_at)
                details = ConcernDetails.model_validate(concern.model_dump(exclude={"reporter"}))
                event = CaseOpened(
                    case_id=uuid4(),
                    opened_at=opened_at,
                    lead=lead_for(age),
                    reporter_organisation=concern.reporter.organisation if concern.reporter else None,
                    concern=details,
                )
                repository.add(
                    Case(
                        case_id=str(event.case_id),
                        concern_id=str(concern.concern_id),
                        municipality_code=concern.municipality_code,
                        opened_at=opened_at,
                        stage="received",
                        lead=event.lead.value,
                        concern=details.model_dump_json(),
                    )
                )
                stage_event(
                    session,
                    runtime.settings,
                    topic=CASE_EVENTS,
                    event_type="dk.infohus.case.opened.v1",
                    body=event,
                    key=str(concern.concern_id),
                    subject=str(concern.concern_id),
                    share=Share.of(
                        event,
                        recipient_kind="internal",
                        purpose="prevention",
                        case_stage="received",
                        subject={"age": age, "municipality_code": concern.municipality_code},
                        flags=concern.flags.model_dump(),
                    ),
                )
            await session.commit()
        runtime.relay.wake()
