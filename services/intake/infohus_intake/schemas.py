"""Intake's request and response models: what a caller sends and what it gets back."""

from datetime import datetime
from uuid import UUID

from pydantic import BaseModel, model_validator

from infohus_contracts.base.classes import DataClass, classified
from infohus_contracts.case.events import ConcernContent, Reporter, check_anonymity

from .domain import utcnow


class ConcernCreate(ConcernContent):
    """A concern as a caseworker or a form submits it."""

    received_at: datetime = classified(DataClass.PROCESS, default_factory=utcnow)
    reporter: Reporter | None = None

    @model_validator(mode="after")
    def _anonymous_has_no_reporter(self) -> "ConcernCreate":
        check_anonymity(self.anonymous, self.reporter)
        return self


class ConcernAccepted(BaseModel):
    """The answer to a submitted concern (bekymringshenvendelse): its id, also when the request was a replay.

    ``forwarded_to``: the concern was for another municipality of the district and was forwarded to that
    municipality's infohus (its organisation, e.g. ``kommune-851``); it is not this instance's concern."""

    concern_id: UUID
    forwarded_to: str | None = None


class ForwardingPublic(BaseModel):
    """A concern forwarded to another municipality's infohus: the record, never the concern."""

    forwarding_id: UUID
    concern_id: UUID
    to_org: str
    forwarded_at: datetime
    outbox_event_id: str
