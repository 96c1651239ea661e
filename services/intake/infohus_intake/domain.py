"""Intake rules, no I/O: when a request is a replay of an earlier one, and what event a concern becomes."""

import hashlib
from datetime import UTC, datetime
from uuid import UUID, uuid4

from pydantic import BaseModel

from infohus_contracts.case.events import ConcernReceived
from infohus_platform.errors import RuleViolation


def utcnow() -> datetime:
    return datetime.now(UTC)


class IdempotencyKeyReused(RuleViolation):
    """An Idempotency-Key sent again with a different concern: refused (422), the first concern stands."""

    def __init__(self) -> None:
        super().__init__("Idempotency-Key", "key already used for a different concern")


def fingerprint(submission: BaseModel) -> str:
    """Identifies the request content for idempotency, without storing the content twice.

    The receipt time is left out: a retried request gets a new default time but is the same concern.
    """
    return hashlib.sha256(submission.model_dump_json(exclude={"received_at"}).encode()).hexdigest()


def accept(submission: BaseModel, concern_id: UUID | None = None) -> ConcernReceived:
    """The submitted concern as the event it becomes, under a new id unless one is given."""
    return ConcernReceived(concern_id=concern_id or uuid4(), **submission.model_dump())


def replayed(stored_fingerprint: str, request_fingerprint: str, concern_id: str) -> UUID:
    """The earlier concern's id when the same key comes again with the same content; refused otherwise."""
    if stored_fingerprint != request_fingerprint:
        raise IdempotencyKeyReused()
    return UUID(concern_id)
