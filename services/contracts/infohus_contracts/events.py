"""Event bodies on Kafka, version 1. Every field carries its data class."""

from datetime import UTC, date, datetime
from enum import StrEnum
from typing import Literal
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from .classes import DataClass, classified
from .municipalities import is_municipality

P = DataClass.PROCESS


class Contract(BaseModel):
    """Strict by default: an unknown field is an error, never silently carried along."""

    model_config = ConfigDict(extra="forbid", frozen=True)


class Channel(StrEnum):
    """How the concern came in (henvendelsesform)."""

    PHONE = "phone"
    EMAIL = "email"
    IN_PERSON = "in_person"
    POLICE_DAILY_REPORT = "police_daily_report"
    HOTLINE = "hotline"
    WEB = "web"


class SourceCategory(StrEnum):
    """Who the concern came from (the sources' 14 categories)."""

    PUBLIC_SCHOOL = "public_school"
    YOUTH_ADULT_EDUCATION = "youth_adult_education"
    ASSOCIATION_VOLUNTEER = "association_volunteer"
    POLICE = "police"
    CITIZEN_INTEGRATION_CENTRE = "citizen_integration_centre"
    MUNICIPAL_CASEWORKER = "municipal_caseworker"
    KRIMINALFORSORGEN = "kriminalforsorgen"
    PARENT_RELATIVE = "parent_relative"
    NEIGHBOUR = "neighbour"
    ASYLUM_CENTRE = "asylum_centre"
    PSYCHIATRY = "psychiatry"
    PRIVATE_PERSON = "private_person"
    SOCIAL_MEDIA = "social_media"
    SOCIAL_HOUSING = "social_housing"


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


def birth_date_from_cpr(cpr: str) -> date:
    """The birth date in a CPR number (DDMMYY plus the century rule of the 7th digit)."""
    day, month, yy, century_digit = int(cpr[0:2]), int(cpr[2:4]), int(cpr[4:6]), int(cpr[6])
    if century_digit <= 3:
        century = 1900
    elif century_digit in (4, 9):
        century = 2000 if yy <= 36 else 1900
    else:
        century = 2000 if yy <= 57 else 1800
    return date(century + yy, month, day)


class Person(Contract):
    """The person the concern is about."""

    name: str = classified(DataClass.IDENTITY, min_length=1, max_length=200)
    cpr: str | None = classified(DataClass.IDENTITY, None, description="10 digits, no dash")
    birth_date: date | None = classified(DataClass.IDENTITY, None)
    age: int | None = classified(DataClass.IDENTITY, None, ge=0, le=120)
    area: str | None = classified(DataClass.SOCIAL, None, max_length=200)
    nationality: str | None = classified(DataClass.SOCIAL, None, max_length=100)
    family_network: str | None = classified(DataClass.NARRATIVE, None, max_length=4000)
    school_work: str | None = classified(DataClass.NARRATIVE, None, max_length=4000)

    @field_validator("cpr", mode="before")
    @classmethod
    def _cpr(cls, value: object) -> object:
        if value is None or value == "":
            return None
        if not isinstance(value, str):
            raise ValueError("must be a string of 10 digits")
        digits = value.replace("-", "").strip()
        if len(digits) != 10 or not digits.isdigit():
            raise ValueError("must be 10 digits (DDMMYYXXXX)")
        try:
            born = birth_date_from_cpr(digits)
        except ValueError:
            raise ValueError("the first six digits are not a valid date") from None
        if born > datetime.now(UTC).date():
            raise ValueError("the date part lies in the future")
        return digits

    @field_validator("birth_date")
    @classmethod
    def _birth_date(cls, value: date | None) -> date | None:
        if value is not None and value > datetime.now(UTC).date():
            raise ValueError("must not be in the future")
        return value

    @model_validator(mode="after")
    def _consistent(self) -> "Person":
        if self.cpr and self.birth_date and birth_date_from_cpr(self.cpr) != self.birth_date:
            raise ValueError("birth_date does not match the date part of cpr")
        return self

    def age_on(self, day: date) -> int | None:
        born = self.birth_date or (birth_date_from_cpr(self.cpr) if self.cpr else None)
        if born is None:
            return self.age
        return day.year - born.year - ((day.month, day.day) < (born.month, born.day))


class Reporter(Contract):
    """Who sent the concern (anmelder): contact only, nothing sensitive. Absent when anonymous."""

    name: str | None = classified(DataClass.REPORTER, None, max_length=200)
    organisation: str | None = classified(DataClass.REPORTER, None, max_length=200)
    role: str | None = classified(DataClass.REPORTER, None, max_length=200)
    phone: str | None = classified(DataClass.REPORTER, None, max_length=40)
    email: str | None = classified(DataClass.REPORTER, None, max_length=200)


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
    description: str = classified(DataClass.NARRATIVE, min_length=1, max_length=20000)
    concern_signs: list[ConcernSign] = classified(DataClass.SPECIAL_CATEGORY, default_factory=list)
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
        return value


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


class CaseOpened(Contract):
    """``case.opened`` on ``infohus.case.events.v1``: assessment opened a case for a concern."""

    kind: Literal["case.opened"] = classified(P, "case.opened")
    case_id: UUID = classified(P)
    opened_at: datetime = classified(P)
    lead: LeadRole = classified(P)
    reporter_organisation: str | None = classified(DataClass.REPORTER, None, max_length=200)
    concern: ConcernDetails


# Everything on ``infohus.case.events.v1``; a discriminated union on ``kind`` once there are more.
CaseEvent = CaseOpened
