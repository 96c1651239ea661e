"""Intake rules, no I/O: what a submitted concern must hold and what event it becomes."""

import hashlib
from datetime import UTC, datetime
from uuid import UUID, uuid4

from pydantic import model_validator

from infohus_contracts.base.classes import DataClass, classified
from infohus_contracts.case.events import ConcernContent, ConcernReceived, Reporter, check_anonymity


def utcnow() -> datetime:
    return datetime.now(UTC)


class ConcernSubmission(ConcernContent):
    """A concern as a caseworker or a form submits it."""

    received_at: datetime = classified(DataClass.PROCESS, default_factory=utcnow)
    reporter: Reporter | None = None

    @model_validator(mode="after")
    def _anonymous_has_no_reporter(self) -> "ConcernSubmission":
        check_anonymity(self.anonymous, self.reporter)
        return self

    def fingerprint(self) -> str:
        """Identifies the request content for idempotency, without storing the content twice."""
        return hashlib.sha256(self.model_dump_json(exclude={"received_at"}).encode()).hexdigest()

    def accept(self, concern_id: UUID | None = None) -> ConcernReceived:
        return ConcernReceived(concern_id=concern_id or uuid4(), **self.model_dump())
