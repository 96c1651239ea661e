"""What assessment's HTTP API takes (``XCreate``) and gives (``XPublic``).

The answers keep the JSON the web gateway reads: the same keys in the same order, and timestamps
written as Python writes them (``+00:00``, not pydantic's ``Z``).
"""

from datetime import date, datetime
from typing import Annotated, Any, Literal

from pydantic import BaseModel, Field, PlainSerializer, WithJsonSchema

from infohus_contracts.base.text import PlainText
from infohus_contracts.case.events import (
    AssessmentApproach,
    Authority,
    ConcernLevel,
    EffortLevel,
    FollowUpCadence,
    InitialOutcome,
    Measure,
)

from . import domain


def _iso(moment: datetime) -> str:
    return moment.isoformat()


# A moment as the API always wrote it (datetime.isoformat), so the answers stay byte-for-byte the same.
Timestamp = Annotated[
    datetime,
    PlainSerializer(_iso, return_type=str, when_used="json"),
    WithJsonSchema({"type": "string", "format": "date-time"}),
]
DataClassName = Literal["identity", "special_category", "criminal", "social", "narrative", "process"]


def _identity_and_process() -> list[DataClassName]:
    return ["identity", "process"]


# --- requests ---------------------------------------------------------------------------------

class InitialAssessmentCreate(PlainText):
    """The initial assessment (indledende vurdering): how it was made and what it found."""

    approach: AssessmentApproach
    outcome: InitialOutcome
    reason: str | None = Field(None, max_length=4000)
    forwarded_to: str | None = Field(None, max_length=200)


class EnrichmentRequestCreate(PlainText):
    """A § 115 request to an authority (berigelse)."""

    authority: Authority
    purpose: Literal["prevention", "investigation"] = "prevention"
    necessity_reason: str = Field(min_length=1, max_length=4000)
    deadline: date
    data_classes: list[DataClassName] = Field(default_factory=_identity_and_process, min_length=1)
    recipient_org: str | None = Field(None, max_length=200)
    question: str | None = Field(None, max_length=4000, description="what the authority is asked (free text: "
                                 "narrative data, shared only with it)")


class EnrichmentAnswerCreate(PlainText):
    answer: str = Field(min_length=1, max_length=20000)


class DimensionNote(PlainText):
    """One note on a dimension of the assessment tool, tagged risk or resource."""

    dimension: str = Field(max_length=60)
    tag: Literal["risk", "resource"]
    note: str = Field(min_length=1, max_length=4000)


class AssessmentCreate(PlainText):
    """An assessment with the national tool (vurderingsværktøjet)."""

    instrument_version: str = domain.CURRENT_INSTRUMENT
    dimensions: list[DimensionNote] = Field(min_length=1)
    concern_level: ConcernLevel
    security_aspect: str = Field(min_length=1, max_length=4000)
    social_aspect: str = Field(min_length=1, max_length=4000)


class DecisionCreate(PlainText):
    """The infohus's decision on an effort (indsats)."""

    effort_level: EffortLevel
    measures: list[Measure] = Field(min_length=1)
    report_to_pet: bool = False
    follow_up_cadence: FollowUpCadence = FollowUpCadence.QUARTERLY


class UnderretningCreate(PlainText):
    """Whether a child-welfare report (underretning) was made."""

    made: bool


class FollowUpCreate(PlainText):
    """A follow-up (opfølgning) on a running effort."""

    note: str = Field(min_length=1, max_length=20000)
    cadence: FollowUpCadence | None = None


class CaseCloseCreate(PlainText):
    reason: str = Field(min_length=1, max_length=4000)


class MeetingCreate(PlainText):
    """An Infohus Kommune meeting (møde) to convene."""

    kind: Literal["regular", "urgent", "next_day"]
    scheduled_for: datetime | None = None


# --- answers: cases -----------------------------------------------------------------------------

class CaseSummaryPublic(BaseModel):
    """A case (sag) as lists and workflow steps show it."""

    case_id: str
    concern_id: str
    municipality_code: str
    stage: str
    lead: str
    urgent: bool
    honour_conflict: bool
    opened_at: Timestamp
    next_follow_up: date | None
    overdue: bool
    under_18: bool
    lead_org: str | None = Field(None, description="a member of a district: the organisation that holds the lead "
                                                   "when another one does (the police district after a hand-over)")
    origin: str | None = Field(None, description="forwarded (by another municipality) or handed_over (to the "
                                                 "police district, on the police's case)")
    origin_org: str | None = None
    origin_case_id: str | None = None


class CaseListedPublic(CaseSummaryPublic):
    """A case in the case list, with the name of the person it is about."""

    person_name: str | None


class UnderretningNoticePublic(BaseModel):
    """Under 18: the reminder that the concern does not replace an underretning, and whether one was made."""

    notice: str
    made: bool | None


class EnrichmentRequestBase(BaseModel):
    """An enrichment request (berigelse) as both the case and the authority see it."""

    request_id: str
    case_id: str
    municipality_code: str
    authority: str
    purpose: str
    necessity_reason: str
    requested_by: str
    requested_at: Timestamp
    deadline: date
    remind_on: date
    reminded: bool
    share_decision_id: str | None
    policy_version: str | None
    legal_basis: list[str]
    shared_classes: list[str]
    status: str


class ExchangeRecordPublic(BaseModel):
    """A message to or from another organisation of the district, with the decisions at both ends."""

    event_id: str
    status: str = Field(description="sent: pending|published|denied; received: accepted")
    share_decision_id: str | None = Field(None, description="the sender's share decision")
    accept_decision_id: str | None = Field(None, description="the receiver's decision to accept it")
    policy_version: str | None = None
    legal_basis: list[str] = Field(default_factory=list)


class EnrichmentRequestPublic(EnrichmentRequestBase):
    answer: str | None
    answered_by: str | None
    answered_at: Timestamp | None
    question: str | None = None
    recipient_org: str | None = None
    sent: ExchangeRecordPublic | None = None
    answer_receipt: ExchangeRecordPublic | None = None


class PersonRefPublic(BaseModel):
    """Whom a request is about, when OPA allowed the authority the identity."""

    name: str | None
    birth_date: str | None


class EnrichmentRequestListedPublic(EnrichmentRequestBase):
    """A request as an authority sees it: no answer; ``person`` only when identity is shared. A request from
    another organisation of the district (``origin_org``) has no case here."""

    case_id: str | None  # type: ignore[assignment]
    answered_by: str | None
    answered_at: Timestamp | None
    person: PersonRefPublic | None = None
    origin_org: str | None = None
    question: str | None = None


class DimensionNotePublic(BaseModel):
    dimension: str
    tag: str
    note: str


class AssessmentPublic(BaseModel):
    assessment_id: str
    case_id: str
    person_key: str | None
    instrument_version: str
    dimensions: list[DimensionNotePublic]
    concern_level: str
    security_aspect: str
    social_aspect: str
    assessed_by: str
    assessed_at: Timestamp


class EffortDecisionPublic(BaseModel):
    decision_id: str
    case_id: str
    effort_level: str
    measures: list[str]
    lead: str
    report_to_pet: bool
    pet_status: str
    pet_signed_off_by: str | None
    approval: str
    approved_by: str | None
    decided_by: str
    decided_at: Timestamp
    pet_filed_at: Timestamp | None = None
    pet_filed_by_org: str | None = None


class DecisionMadePublic(EffortDecisionPublic):
    """A new decision, with the stage the case moved to."""

    stage: str


class FollowUpPublic(BaseModel):
    follow_up_id: str
    case_id: str
    note: str
    recorded_by: str
    recorded_at: Timestamp


class CaseDetailPublic(CaseSummaryPublic):
    """One case with everything under it."""

    concern: str = Field(description="the concern's details, as JSON text")
    approach: str | None
    outcome: str | None
    outcome_reason: str | None
    forwarded_to: str | None
    closed_at: Timestamp | None
    close_reason: str | None
    follow_up_cadence: str | None
    underretning: UnderretningNoticePublic | None
    enrichment_requests: list[EnrichmentRequestPublic]
    assessments: list[AssessmentPublic]
    decisions: list[EffortDecisionPublic]
    follow_ups: list[FollowUpPublic]
    known_elsewhere_notices: list["IndexHitNoticePublic"] = Field(
        default_factory=list, description="a member of a district: other organisations asked about this person")


class CaseEventPublic(BaseModel):
    """One state change of a case, as the event it put on Kafka."""

    type: str | None
    at: Timestamp
    status: str
    share_decision_id: str | None
    event: dict[str, Any]


# --- answers: the assessment tool --------------------------------------------------------------

class InstrumentStepPublic(BaseModel):
    id: str
    title: str


class InstrumentDimensionPublic(BaseModel):
    id: str
    title: str
    group: str


class InstrumentPublic(BaseModel):
    """The national assessment tool: its steps, groups, dimensions and concern levels."""

    id: str
    version: str
    title: str
    source: str
    steps: list[InstrumentStepPublic]
    groups: dict[str, str]
    grouping_note: str
    dimensions: list[InstrumentDimensionPublic]
    concern_levels: dict[str, str]
    concern_levels_note: str


class AssessmentRefPublic(BaseModel):
    assessment_id: str
    assessed_at: Timestamp
    concern_level: str
    assessed_by: str


class TaggedNotePublic(BaseModel):
    tag: str
    note: str


class DimensionChangePublic(BaseModel):
    dimension: str
    first: list[TaggedNotePublic]
    second: list[TaggedNotePublic]


class AssessmentComparisonPublic(BaseModel):
    """Two assessments of one person, dimension by dimension, the earlier first."""

    first: AssessmentRefPublic
    second: AssessmentRefPublic
    concern_level_changed: bool
    dimensions: list[DimensionChangePublic]


# --- answers: meetings and the daily jobs --------------------------------------------------------

class AgendaItemPublic(BaseModel):
    case_id: str
    stage: str
    urgent: bool
    lead: str


class MeetingPublic(BaseModel):
    meeting_id: str
    municipality_code: str
    kind: str
    scheduled_for: Timestamp
    agenda: list[AgendaItemPublic]
    convened_by: str
    convened_at: Timestamp


class DailyJobsPublic(BaseModel):
    """What a run of the daily jobs did: hand-overs at 18 and reminders sent."""

    handed_over: int
    enrichment_reminders: int
    overdue_follow_ups: int


# --- a member of a district (issue 13) ----------------------------------------------------------------------

class PetReportPublic(BaseModel):
    """A report to PET/EAE that a municipality sent through the police district, as the police sees it."""

    report_id: str
    origin_org: str
    origin_report_id: str
    origin_case_id: str
    municipality_code: str
    received_at: Timestamp
    status: str = Field(description="awaiting_filing|awaiting_signoff|filed")
    filed_by: str | None
    signed_off_by: str | None
    filed_at: Timestamp | None
    report: dict[str, Any] = Field(description="what the municipality reported: the concern and its assessment")
    receipt: ExchangeRecordPublic | None = None


class KnownElsewherePublic(BaseModel):
    """A "known elsewhere?" lookup: pending, hit or no_hit, and on a hit the organisations to contact."""

    lookup_id: str
    case_id: str
    status: str
    contact_orgs: list[str]
    requested_by: str
    requested_at: Timestamp
    answered_at: Timestamp | None
    sent: ExchangeRecordPublic | None = None
    answer_receipt: ExchangeRecordPublic | None = None


class IndexHitNoticePublic(BaseModel):
    """Without content: which organisation asked about this person, and when."""

    notice_id: str
    asked_by_org: str
    asked_at: Timestamp


CaseDetailPublic.model_rebuild()
