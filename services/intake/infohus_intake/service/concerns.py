"""Receiving a concern (bekymringshenvendelse): stored and its event staged in one transaction."""

from uuid import UUID

from sqlalchemy.exc import IntegrityError

from infohus_contracts.base.classes import classes_present
from infohus_contracts.case.events import ConcernReceived
from infohus_contracts.case.topics import CONCERN_RECEIVED
from infohus_platform.auth import Guard, resource
from infohus_platform.messaging.outbox import Share, stage_event
from infohus_platform.runtime import Runtime
from infohus_platform.tenancy import require_own_tenant

from ..domain import accept, fingerprint, replayed
from ..schemas import ConcernAccepted, ConcernCreate
from ..storage import ConcernRepository


async def submit_concern(runtime: Runtime, guard: Guard, submission: ConcernCreate,
                         idempotency_key: str | None) -> ConcernAccepted:
    """Accept a concern; the same Idempotency-Key with the same content answers with the first concern.

    Raises ``IdempotencyKeyReused`` when the key came before with a different concern, and
    ``ForeignTenant`` (422) for a municipality this instance does not serve, before anything is asked.
    """
    require_own_tenant(runtime.settings, submission.municipality_code)
    decision = await guard.require("concern.create", resource("concern", submission.municipality_code),
                                   log_now=False)
    request_fingerprint = fingerprint(submission)
    async with runtime.db.session() as session:
        repository = ConcernRepository(session)
        if idempotency_key:
            earlier = await repository.by_idempotency_key(idempotency_key)
            if earlier is not None:
                return _accepted(replayed(earlier.fingerprint, request_fingerprint, earlier.concern_id))
        concern = accept(submission)
        repository.add(concern, idempotency_key, request_fingerprint, runtime.settings.controlled(),
                       runtime.settings.person_key(concern.person.cpr))
        stage_event(
            session,
            runtime.settings,
            topic=CONCERN_RECEIVED,
            body=concern,
            key=str(concern.concern_id),
            subject=str(concern.concern_id),
            share=_internal_share(concern),
        )
        await guard.record(session, decision, "concern.create", subjects=[str(concern.concern_id)],
                           data_classes=sorted(c.value for c in classes_present(concern)))
        try:
            await session.commit()
        except IntegrityError:
            # The same Idempotency-Key raced in twice: the first one won.
            await session.rollback()
            earlier = await repository.by_idempotency_key(idempotency_key or "")
            if earlier is None:
                raise
            return _accepted(replayed(earlier.fingerprint, request_fingerprint, earlier.concern_id))
    runtime.relay.wake()
    return _accepted(concern.concern_id)


def _internal_share(concern: ConcernReceived) -> Share:
    """What the relay asks OPA before the concern goes to assessment and the registry."""
    return Share.of(
        concern,
        recipient_kind="internal",
        purpose="prevention",
        case_stage="received",
        subject={
            "age": concern.person.age_on(concern.received_at.date()),
            "municipality_code": concern.municipality_code,
        },
        flags=concern.flags.model_dump(),
    )


def _accepted(concern_id: UUID) -> ConcernAccepted:
    return ConcernAccepted(concern_id=concern_id)
