"""Registry's request and response models. Same JSON as before the models were typed: tests and the web read it."""

from datetime import date, datetime
from typing import Literal
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field

from infohus_contracts.base.text import PlainText


class RegistrationEntryPublic(BaseModel):
    """One basic registration (grundregistrering) in a list: the fields that identify it, no free text."""

    model_config = ConfigDict(from_attributes=True)

    concern_id: str
    municipality_code: str
    received_at: datetime
    period: str
    channel: str
    source_category: str
    age_band: str
    lead: str
    concern_level: str | None = None
    outcome: str | None = None
    effort_level: str | None = None
    closed_at: datetime | None = None


LISTED_FIELDS = tuple(RegistrationEntryPublic.model_fields)


class RegistrationPublic(BaseModel):
    """The whole basic registration of one concern, kept current with its case."""

    model_config = ConfigDict(from_attributes=True)

    concern_id: str
    case_id: str
    municipality_code: str
    received_at: datetime
    period: str
    channel: str
    source_category: str
    age_band: str
    area: str | None = None
    nationality: str | None = None
    family_network: str | None = None
    school_work: str | None = None
    sender: str | None = None
    description: str
    concern_signs: list[str] = Field(default_factory=list)
    assessment: str | None = None
    assessed_by: str | None = None
    decision: str | None = None
    lead: str
    concern_level: str | None = None
    outcome: str | None = None
    effort_level: str | None = None
    closed_at: datetime | None = None
    last_follow_up_on: date | None = None
    delete_on: date | None = None
    retention_rule: str | None = None
    legal_hold: bool = False
    erased_at: datetime | None = None
    updated_at: datetime
    controller: str
    regime: str


class StatisticsPublic(BaseModel):
    """The municipality's own statistics (not suppressed: the registry is restricted to its keepers).

    Each tally maps a value (``ukendt`` when not yet known) to its count.
    """

    model_config = ConfigDict(populate_by_name=True)

    period_from: str | None = Field(alias="from")
    period_to: str | None = Field(alias="to")
    volume: int
    by_period: dict[str, int]
    concern_levels: dict[str, int]
    sources: dict[str, int]
    age_bands: dict[str, int]
    outcomes: dict[str, int]
    efforts: dict[str, int]


PreviewPurpose = Literal["prevention", "statistics", "duty_to_inform", "access_request", "underretning",
                         "reporter_feedback", "investigation"]


class SharePreviewCreate(PlainText):
    """A "what would be shared?" question: one registration, one recipient, one purpose."""

    concern_id: UUID
    recipient_kind: str = Field(min_length=1, max_length=60, pattern=r"^[a-z_0-9]+$")
    purpose: PreviewPurpose = "prevention"
    recipient_org: str | None = Field(None, max_length=100)
    necessity_reason: str | None = Field(None, max_length=4000)
    case_stage: str | None = Field(None, max_length=40)


class ShareRecipientPublic(BaseModel):
    kind: str
    org: str | None = None


class SharePreviewFieldPublic(BaseModel):
    """One field of the registration: whether it would go, and OPA's reasons."""

    data_class: str
    legal_basis: list[str] = Field(default_factory=list)
    name: str | None = None
    obligations: list[str] = Field(default_factory=list)
    reasons: list[str] = Field(default_factory=list)
    shared: bool


class SharePreviewPublic(BaseModel):
    """OPA's preview of a share (``infohus/share/preview``), field by field; nothing was sent.

    Keys in OPA's order (sorted), then the concern and the decision's id; ``reroute`` only when the
    policy reroutes the share.
    """

    fields: list[SharePreviewFieldPublic]
    obligations: list[str]
    policy_version: str | None = None
    purpose: str | None = None
    recipient: ShareRecipientPublic | None = None
    reroute: str | None = None
    withheld: list[str | None]
    would_share: list[str | None]
    concern_id: str
    decision_id: str | None = None


class RetentionPublic(BaseModel):
    """When a registration's personal data goes, by which rule, and whether a legal hold stops it."""

    delete_on: str | None
    rule: str
    action: str
    reason: str | None = None
    legal_hold: bool
    erased_at: datetime | None = None


class LegalHoldCreate(PlainText):
    """A legal hold set or released, with the reason for the processing log."""

    legal_hold: bool
    reason: str = Field(min_length=1, max_length=1000)


class LegalHoldPublic(BaseModel):
    concern_id: str
    legal_hold: bool


class RetentionRunPublic(BaseModel):
    """One run of the retention schedule: registrations scheduled, and how many of them were erased."""

    scheduled: int
    erased: int
