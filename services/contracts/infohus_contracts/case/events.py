"""Event bodies on Kafka, version 1. Every field carries its data class."""

from datetime import UTC, date, datetime
from enum import StrEnum
from typing import Annotated, Literal, TypeVar
from uuid import UUID

from pydantic import Field, field_validator, model_validator

from infohus_contracts.base.classes import DataClass, classified
from infohus_contracts.base.codes import SourceCategory
from infohus_contracts.base.contract import Contract
from infohus_contracts.base.cpr import birth_date_from_cpr, validate_cpr
from infohus_contracts.base.municipalities import is_municipality
from infohus_contracts.base.text import Text

P = DataClass.PROCESS
T = TypeVar("T")
# No date in a concern lies before this: a person's birth, a concern's receipt.
EARLIEST = date(1900, 1, 1)


class Channel(StrEnum):
    """How the concern came in (henvendelsesform)."""

    PHONE = "phone"
    EMAIL = "email"
    IN_PERSON = "in_person"
    POLICE_DAILY_REPORT = "police_daily_report"
    HOTLINE = "hotline"
    WEB = "web"


class ConcernSign(StrEnum):
    """Published warning signs (opmærksomhedspunkter). Not a checklist."""

    READINESS_FOR_VIOLENCE = "readiness_for_violence"
    CONFLICT_TRAVEL_OR_TRAINING = "conflict_travel_or_training"
    SEEKS_EXTREMIST_MATERIAL = "seeks_extremist_material"
    THREATENS_OR_PRESSURES = "threatens_or_pressures"
    HATEFUL_EVENTS = "hateful_events"
    SPREADS_VIOLENT_MESSAGES = "spreads_violent_messages"
    PREOCCUPIED_WITH_CAUSE = "preoccupied_with_cause"
    CONTEMPT_FOR_OTHERS = "contempt_for_others"
    PREACHING_MORALISING = "preaching_moralising"
    EXTREMIST_SYMBOLS = "extremist_symbols"
    WEAPONS_MILIEU = "weapons_milieu"
    PERSONAL_CRISIS = "personal_crisis"


class LeadRole(StrEnum):
    """Tovholder: SSP under 18, local police 18 and over."""

    SSP_COORDINATOR = "ssp_coordinator"
    LOCAL_POLICE = "local_police"


class Person(Contract):
    """The person the concern is about."""

    name: Text = classified(DataClass.IDENTITY, min_length=1, max_length=200)
    cpr: str | None = classified(DataClass.IDENTITY, None, description="10 digits, no dash")
    birth_date: date | None = classified(DataClass.IDENTITY, None)
    age: int | None = classified(DataClass.IDENTITY, None, ge=0, le=120)
    area: Text | None = classified(DataClass.SOCIAL, None, max_length=200)
    nationality: Text | None = classified(DataClass.SOCIAL, None, max_length=100)
    family_network: Text | None = classified(DataClass.NARRATIVE, None, max_length=4000)
    school_work: Text | None = classified(DataClass.NARRATIVE, None, max_length=4000)

    @field_validator("cpr", mode="before")
    @classmethod
    def _cpr(cls, value: object) -> object:
        return validate_cpr(value)

    @field_validator("birth_date")
    @classmethod
    def _birth_date(cls, value: date | None) -> date | None:
        if value is not None and value > datetime.now(UTC).date():
            raise ValueError("must not be in the future")
        if value is not None and value < EARLIEST:
            raise ValueError("must not be before 1900-01-01")
        return value

    @model_validator(mode="after")
    def _consistent(self) -> "Person":
        if self.cpr and self.birth_date and birth_date_from_cpr(self.cpr) != self.birth_date:
            raise ValueError("birth_date does not match the date part of cpr")
        return self

    def born(self) -> date | None:
        """The birth date, given or from the CPR number."""
        return self.birth_date or (birth_date_from_cpr(self.cpr) if self.cpr else None)

    def age_on(self, day: date) -> int | None:
        born = self.born()
        if born is None:
            return self.age
        return day.year - born.year - ((day.month, day.day) < (born.month, born.day))


class Reporter(Contract):
    """Who sent the concern (anmelder): contact only, nothing sensitive. Absent when anonymous."""

    name: Text | None = classified(DataClass.REPORTER, None, max_length=200)
    organisation: Text | None = classified(DataClass.REPORTER, None, max_length=200)
    role: Text | None = classified(DataClass.REPORTER, None, max_length=200)
    phone: Text | None = classified(DataClass.REPORTER, None, max_length=40)
    email: Text | None = classified(DataClass.REPORTER, None, max_length=200)


class TriageFlags(Contract):
    imminent_risk: bool = classified(P, False)
    honour_conflict: bool = classified(P, False)
    possibly_not_radicalisation: bool = classified(P, False)


class ConcernContent(Contract):
    """What a concern (bekymringshenvendelse) says about the person, without the reporter."""

    municipality_code: str = classified(P, pattern=r"^\d{3}$")
    received_at: datetime = classified(P)
    channel: Channel = classified(P)
    source_category: SourceCategory = classified(P)
    anonymous: bool = classified(P, False)
    person: Person
    description: Text = classified(DataClass.NARRATIVE, min_length=1, max_length=20000)
    concern_signs: list[ConcernSign] = classified(DataClass.SPECIAL_CATEGORY, default_factory=list,
                                                  max_length=len(ConcernSign))
    flags: TriageFlags = Field(default_factory=TriageFlags)

    @field_validator("municipality_code")
    @classmethod
    def _known_municipality(cls, value: str) -> str:
        if not is_municipality(value):
            raise ValueError("unknown municipality code (kommunekode)")
        return value

    @field_validator("received_at")
    @classmethod
    def _not_future(cls, value: datetime) -> datetime:
        if value.tzinfo is None:
            value = value.replace(tzinfo=UTC)
        if value > datetime.now(UTC):
            raise ValueError("must not be in the future")
        if value.date() < EARLIEST:
            raise ValueError("must not be before 1900-01-01")
        return value

    @field_validator("concern_signs")
    @classmethod
    def _signs_once(cls, value: list[ConcernSign]) -> list[ConcernSign]:
        return no_repeats(value, "sign")

    @model_validator(mode="after")
    def _received_after_birth(self) -> "ConcernContent":
        born = self.person.born()
        if born is not None and self.received_at.date() < born:
            raise ValueError("received_at must not be before the person's birth date")
        return self


def no_repeats(values: list[T], what: str) -> list[T]:
    if len(set(values)) != len(values):
        raise ValueError(f"must not name a {what} twice")
    return values


class ConcernDetails(ConcernContent):
    concern_id: UUID = classified(P)


def check_anonymity(anonymous: bool, reporter: "Reporter | None") -> None:
    if anonymous and reporter is not None:
        raise ValueError("an anonymous concern carries no reporter")


class ConcernReceived(ConcernDetails):
    """``infohus.concern.received.v1``: intake accepted a concern."""

    reporter: Reporter | None = None

    @model_validator(mode="after")
    def _anonymous_has_no_reporter(self) -> "ConcernReceived":
        check_anonymity(self.anonymous, self.reporter)
        return self


class CaseStage(StrEnum):
    RECEIVED = "received"
    INITIAL_ASSESSMENT = "initial_assessment"
    ENRICHMENT = "enrichment"
    DECISION = "decision"
    EFFORT = "effort"
    FOLLOW_UP = "follow_up"
    CLOSED = "closed"


class AssessmentApproach(StrEnum):
    """How the municipality makes the initial assessment (indledende vurdering)."""

    INTERNAL = "internal"
    SSP_MEETING = "ssp_meeting"
    JOINT_WITH_POLICE_COORDINATOR = "joint_with_police_coordinator"
    POLICE_ALONE = "police_alone"


class InitialOutcome(StrEnum):
    UNFOUNDED = "unfounded"
    NOT_RADICALISATION = "not_radicalisation"
    IMMINENT_RISK = "imminent_risk"
    HONOUR_RELATED = "honour_related"
    UPHELD = "upheld"


class Authority(StrEnum):
    """§ 115 authorities that enrich a case (berigelse)."""

    SOCIAL_SERVICES_U18 = "social_services_u18"
    SOCIAL_SERVICES_18PLUS = "social_services_18plus"
    EMPLOYMENT_EDUCATION = "employment_education"
    LOCAL_POLICE = "local_police"
    PSYCHIATRY = "psychiatry"
    KRIMINALFORSORGEN = "kriminalforsorgen"
    AD_HOC = "ad_hoc"


class ConcernLevel(StrEnum):
    """Overall concern level [PROPOSED label set, LEGAL.md §10]; no numeric risk score."""

    UBEGRUNDET = "ubegrundet"
    LAV = "lav"
    MODERAT = "moderat"
    HOEJ = "hoej"
    AKUT = "akut"

    @property
    def serious(self) -> bool:
        return self in (ConcernLevel.HOEJ, ConcernLevel.AKUT)


class EffortLevel(StrEnum):
    """Opbyggende / foregribende / indgribende indsats."""

    GENERAL = "general"
    PREVENTIVE = "preventive"
    INTERVENING = "intervening"


class Measure(StrEnum):
    CONCERN_CONVERSATION = "concern_conversation"
    MENTOR = "mentor"
    PARENT_COACHING = "parent_coaching"
    FAMILY_SUPPORT = "family_support"
    EDUCATION_EMPLOYMENT = "education_employment"
    EXIT_PROGRAMME = "exit_programme"
    PSYCHIATRIC_REFERRAL = "psychiatric_referral"
    OTHER = "other"


class FollowUpCadence(StrEnum):
    BIWEEKLY = "biweekly"
    QUARTERLY = "quarterly"
    AD_HOC = "ad_hoc"


class CaseOpened(Contract):
    """``case.opened`` on ``infohus.case.events.v1``: assessment opened a case for a concern."""

    kind: Literal["case.opened"] = classified(P, "case.opened")
    case_id: UUID = classified(P)
    opened_at: datetime = classified(P)
    lead: LeadRole = classified(P)
    reporter_organisation: Text | None = classified(DataClass.REPORTER, None, max_length=200)
    concern: ConcernDetails


class CaseChange(Contract):
    """What every later case event carries: which case, when, and who did it."""

    case_id: UUID = classified(P)
    concern_id: UUID = classified(P)
    at: datetime = classified(P)
    actor: Text = classified(P, max_length=200, description="user id of who made the change")


class InitialAssessmentMade(CaseChange):
    kind: Literal["case.initial_assessment_made"] = classified(P, "case.initial_assessment_made")
    approach: AssessmentApproach = classified(P)
    outcome: InitialOutcome = classified(P)
    reason: Text | None = classified(DataClass.NARRATIVE, None, max_length=4000)
    forwarded_to: Text | None = classified(P, None, max_length=200)
    stage: CaseStage = classified(P)


class EnrichmentRequested(CaseChange):
    kind: Literal["case.enrichment_requested"] = classified(P, "case.enrichment_requested")
    request_id: UUID = classified(P)
    authority: Authority = classified(P)
    deadline: date = classified(P)
    share_decision_id: Text | None = classified(P, None, max_length=200)


class EnrichmentAnswered(CaseChange):
    kind: Literal["case.enrichment_answered"] = classified(P, "case.enrichment_answered")
    request_id: UUID = classified(P)
    authority: Authority = classified(P)


class CaseAssessed(CaseChange):
    """An assessment with the national tool: the level and the two aspects, not the dimension notes."""

    kind: Literal["case.assessed"] = classified(P, "case.assessed")
    assessment_id: UUID = classified(P)
    instrument_version: Text = classified(P, max_length=40)
    concern_level: ConcernLevel = classified(DataClass.SPECIAL_CATEGORY)
    security_aspect: Text = classified(DataClass.NARRATIVE, max_length=4000)
    social_aspect: Text = classified(DataClass.NARRATIVE, max_length=4000)


class EffortDecided(CaseChange):
    kind: Literal["case.decided"] = classified(P, "case.decided")
    decision_id: UUID = classified(P)
    effort_level: EffortLevel = classified(P)
    measures: list[Measure] = classified(P, max_length=len(Measure))
    report_to_pet: bool = classified(P)
    lead: LeadRole = classified(P)
    standing: bool = classified(P, description="false while leadership approval is pending")

    @field_validator("measures")
    @classmethod
    def _measures_once(cls, value: list[Measure]) -> list[Measure]:
        return no_repeats(value, "measure")


class DecisionApproved(CaseChange):
    kind: Literal["case.decision_approved"] = classified(P, "case.decision_approved")
    decision_id: UUID = classified(P)


class PetReportSignedOff(CaseChange):
    kind: Literal["case.pet_report_signed_off"] = classified(P, "case.pet_report_signed_off")
    decision_id: UUID = classified(P)


class LeadChanged(CaseChange):
    kind: Literal["case.lead_changed"] = classified(P, "case.lead_changed")
    lead: LeadRole = classified(P)
    reason: Text = classified(P, max_length=200)


class UnderretningRecorded(CaseChange):
    """Whether a child-welfare report was made; the infohus concern does not replace it."""

    kind: Literal["case.underretning_recorded"] = classified(P, "case.underretning_recorded")
    made: bool = classified(P)


class FollowUpRecorded(CaseChange):
    kind: Literal["case.follow_up_recorded"] = classified(P, "case.follow_up_recorded")
    next_due: date | None = classified(P, None)


class CaseClosed(CaseChange):
    kind: Literal["case.closed"] = classified(P, "case.closed")
    reason: Text = classified(DataClass.NARRATIVE, max_length=4000)


CaseEvent = Annotated[
    CaseOpened | InitialAssessmentMade | EnrichmentRequested | EnrichmentAnswered | CaseAssessed | EffortDecided
    | DecisionApproved | PetReportSignedOff | LeadChanged | UnderretningRecorded | FollowUpRecorded | CaseClosed,
    Field(discriminator="kind"),
]


class PersonErased(Contract):
    """``infohus.erasure.v1``: a concern's retention ended; every service deletes its personal data."""

    concern_id: UUID = classified(P)
    rule: Text = classified(P, max_length=20)
    erased_at: datetime = classified(P)
