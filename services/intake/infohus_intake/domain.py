"""Intake rules, no I/O: when a request is a replay of an earlier one, what event a concern becomes, and what a
concern for another municipality of the district is forwarded as."""

import hashlib
from datetime import UTC, datetime
from uuid import UUID, uuid4

from pydantic import BaseModel

from infohus_contracts.base.municipalities import municipality_name
from infohus_contracts.case.events import ConcernReceived
from infohus_contracts.case.exchange import ConcernForwarded
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


def forwarding_reason(own_org: str, municipality_code: str) -> str:
    """Why the concern goes to another infohus, in Danish, naming the municipality and never the person."""
    name = municipality_name(municipality_code) or municipality_code
    return (f"Bekymringen drejer sig om en borger i {name} Kommune ({municipality_code}) og blev modtaget af "
            f"{own_org}; den videresendes til infohuset i {name} Kommune, som behandler den "
            "(forvaltningsloven § 7, stk. 2).")


def forwarded(submission: BaseModel, own_org: str, forwarding_id: UUID | None = None) -> ConcernForwarded:
    """The submitted concern as it is forwarded: under a new id and without the reporter's identity, which stays
    with this instance's caller (the receiving infohus gets what the concern says, not who said it)."""
    concern = ConcernReceived(concern_id=uuid4(), **submission.model_dump(exclude={"reporter"}))
    return ConcernForwarded(forwarding_id=forwarding_id or uuid4(), forwarded_by=own_org,
                            reason=forwarding_reason(own_org, concern.municipality_code), concern=concern)
