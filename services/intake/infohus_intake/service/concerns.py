"""Receiving a concern (bekymringshenvendelse): stored and its event staged in one transaction."""

from uuid import UUID

from pydantic import BaseModel
from sqlalchemy.exc import IntegrityError
from sqlmodel.ext.asyncio.session import AsyncSession

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
from .forwarding import forwarding_target, receiving_municipality, stage_forwarding


async def submit_concern(runtime: Runtime, guard: Guard, submission: ConcernCreate,
                         idempotency_key: str | None) -> ConcernAccepted:
    """Accept a concern; the same Idempotency-Key with the same content answers with the first concern.

    Raises ``IdempotencyKeyReused`` when the key came before with a different concern, and
    ``ForeignTenant`` (422) for a municipality this instance does not serve, before anything is asked. A member
    of a district forwards a concern for another municipality of the district to its infohus instead
    (``forwarding``): the answer names that organisation (``forwarded_to``).
    """
    target = forwarding_target(runtime, submission.municipality_code)
    if target is None:
        require_own_tenant(runtime.settings, submission.municipality_code)
        scope = submission.municipality_code
    else:  # taken in here, in the caller's own municipality, and passed on
        scope = receiving_municipality(runtime, guard)
    decision = await guard.require("concern.create", resource("concern", scope), log_now=False)
    request_fingerprint = fingerprint(submission)
    async with runtime.db.session() as session:
        repository = ConcernRepository(session)
        if idempotency_key:
            earlier = await repository.by_idempotency_key(idempotency_key)
            if earlier is not None:
                return await _accepted(repository, replayed(earlier.fingerprint, request_fingerprint,
                                                            earlier.concern_id))
        if target is None:
            concern = _stage_own(runtime, session, repository, submission, idempotency_key, request_fingerprint)
            concern_id = concern.concern_id
            action, classes = "concern.create", _classes(concern)
        else:
            message, _ = stage_forwarding(runtime, session, submission, target)
            concern_id = message.concern.concern_id
            if idempotency_key:
                repository.add_idempotency_key(idempotency_key, request_fingerprint, concern_id)
            action, classes = "concern.forward", _classes(message)
        await guard.record(session, decision, action, subjects=[str(concern_id)], data_classes=classes)
        try:
            await session.commit()
        except IntegrityError:
            # The same Idempotency-Key raced in twice: the first one won.
            await session.rollback()
            earlier = await repository.by_idempotency_key(idempotency_key or "")
            if earlier is None:
                raise
            return await _accepted(repository, replayed(earlier.fingerprint, request_fingerprint, earlier.concern_id))
    runtime.relay.wake()
    return ConcernAccepted(concern_id=concern_id, forwarded_to=target)


def _stage_own(runtime: Runtime, session: AsyncSession, repository: ConcernRepository, submission: ConcernCreate,
               idempotency_key: str | None, request_fingerprint: str) -> ConcernReceived:
    """The concern as this instance's own: stored and its event staged for assessment and the registry."""
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
    return concern


def _classes(body: BaseModel) -> list[str]:
    return sorted(c.value for c in classes_present(body))


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


async def _accepted(repository: ConcernRepository, concern_id: UUID) -> ConcernAccepted:
    """The answer to a replay: the first concern, and where it was forwarded if it was."""
    forwarding = await repository.forwarding_of(concern_id)
    return ConcernAccepted(concern_id=concern_id, forwarded_to=forwarding.to_org if forwarding else None)
