"""Intake's HTTP API: thin; the rules are in ``domain``."""

from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Header, HTTPException, status
from pydantic import BaseModel
from sqlalchemy.exc import IntegrityError

from infohus_contracts.base.classes import classes_present
from infohus_contracts.case.topics import CONCERN_RECEIVED
from infohus_platform.auth import GuardDep, resource
from infohus_platform.messaging.outbox import Share, stage_event
from infohus_platform.runtime import RuntimeDep

from .domain import ConcernSubmission
from .storage import ConcernRepository

router = APIRouter(prefix="/api/v1", tags=["concerns"])


class ConcernAccepted(BaseModel):
    concern_id: UUID


@router.post("/concerns", status_code=status.HTTP_202_ACCEPTED, response_model=ConcernAccepted)
async def submit_concern(
    submission: ConcernSubmission,
    runtime: RuntimeDep,
    guard: GuardDep,
    idempotency_key: Annotated[str | None, Header(max_length=200)] = None,
) -> ConcernAccepted:
    """Accept a concern. It is stored and its event staged in one transaction; nothing is lost."""
    decision = await guard.require("concern.create", resource("concern", submission.municipality_code),
                                   log_now=False)
    fingerprint = submission.fingerprint()
    async with runtime.db.session() as session:
        repository = ConcernRepository(session)
        if idempotency_key:
            earlier = await repository.by_idempotency_key(idempotency_key)
            if earlier is not None:
                return _replay(earlier.fingerprint, fingerprint, earlier.concern_id)
        concern = submission.accept()
        repository.add(concern, idempotency_key, fingerprint, runtime.settings.controlled(),
                       runtime.settings.person_key(concern.person.cpr))
        stage_event(
            session,
            runtime.settings,
            topic=CONCERN_RECEIVED,
            body=concern,
            key=str(concern.concern_id),
            subject=str(concern.concern_id),
            share=Share.of(
                concern,
                recipient_kind="internal",
                purpose="prevention",
                case_stage="received",
                subject={
                    "age": concern.person.age_on(concern.received_at.date()),
                    "municipality_code": concern.municipality_code,
                },
                flags=concern.flags.model_dump(),
            ),
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
            return _replay(earlier.fingerprint, fingerprint, earlier.concern_id)
    runtime.relay.wake()
    return ConcernAccepted(concern_id=concern.concern_id)


def _replay(stored_fingerprint: str, fingerprint: str, concern_id: str) -> ConcernAccepted:
    if stored_fingerprint != fingerprint:
        raise HTTPException(
            status_code=status.HTTP_422_UNPROCESSABLE_ENTITY,
            detail={"field": "Idempotency-Key", "reason": "key already used for a different concern"},
        )
    return ConcernAccepted(concern_id=UUID(concern_id))
