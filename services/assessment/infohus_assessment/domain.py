"""Case rules, no I/O: stages, lead, approval, follow-up, meetings and the assessment instrument."""

import json
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from functools import cache
from importlib.resources import files

from infohus_contracts.case.events import (
    CaseStage,
    ConcernLevel,
    ConcernReceived,
    FollowUpCadence,
    InitialOutcome,
    LeadRole,
)
from infohus_platform.errors import RuleViolation

ADULT_AGE = 18
CURRENT_INSTRUMENT = "1"


def lead_for(age: int | None) -> LeadRole:
    """Tovholder: the SSP coordinator under 18 (and while the age is unknown), local police from 18."""
    if age is not None and age >= ADULT_AGE:
        return LeadRole.LOCAL_POLICE
    return LeadRole.SSP_COORDINATOR


def age_at(concern: ConcernReceived, moment: datetime) -> int | None:
    return concern.person.age_on(moment.date())


def age_on(birth_date: date | None, day: date) -> int | None:
    if birth_date is None:
        return None
    return day.year - birth_date.year - ((day.month, day.day) < (birth_date.month, birth_date.day))


def stage_after_initial(outcome: InitialOutcome) -> CaseStage:
    """Unfounded and not-radicalisation close the case; imminent risk goes to police at once; honour-related
    cases go to the national security consultants; an upheld concern is qualified in the infohus."""
    if outcome is InitialOutcome.UPHELD:
        return CaseStage.ENRICHMENT
    return CaseStage.CLOSED


def check_initial(outcome: InitialOutcome, reason: str | None, forwarded_to: str | None) -> None:
    if outcome is InitialOutcome.UNFOUNDED and not (reason or "").strip():
        raise RuleViolation("reason", "an unfounded concern is closed with a reason")
    if outcome is InitialOutcome.NOT_RADICALISATION and not (forwarded_to or "").strip():
        raise RuleViolation("forwarded_to", "say which authority the concern was forwarded to")


def forwarded_to_for(outcome: InitialOutcome, given: str | None) -> str | None:
    if outcome is InitialOutcome.IMMINENT_RISK:
        return "police"
    if outcome is InitialOutcome.HONOUR_RELATED:
        return "national_security_consultants"
    return given


def needs_leadership_approval(level: ConcernLevel | None) -> bool:
    """At serious concern leadership takes part: the decision stands only once they approve."""
    return level is not None and level.serious


def next_follow_up(cadence: FollowUpCadence, from_day: date) -> date | None:
    if cadence is FollowUpCadence.BIWEEKLY:
        return from_day + timedelta(days=14)
    if cadence is FollowUpCadence.QUARTERLY:
        return _add_months(from_day, 3)
    return None


def _add_months(day: date, months: int) -> date:
    month = day.month - 1 + months
    year, month = day.year + month // 12, month % 12 + 1
    for candidate in (31, 30, 29, 28):
        try:
            return date(year, month, min(day.day, candidate))
        except ValueError:
            continue
    raise AssertionError("unreachable")


def turns_adult_between(birth_date: date | None, after: date, until: date) -> bool:
    """True when the 18th birthday falls in (after, until]."""
    if birth_date is None:
        return False
    return (age_on(birth_date, after) or 0) < ADULT_AGE <= (age_on(birth_date, until) or 0)


# --- meetings -------------------------------------------------------------------------------

MEETING_KINDS = {"regular", "urgent", "next_day"}
REGULAR_INTERVAL_DAYS = 61  # every other month (Vesthimmerland)


def check_meeting_date(kind: str, scheduled_for: datetime, now: datetime) -> None:
    if kind not in MEETING_KINDS:
        raise RuleViolation("kind", f"must be one of {', '.join(sorted(MEETING_KINDS))}")
    if scheduled_for <= now:
        raise RuleViolation("scheduled_for", "must be in the future")
    if kind == "urgent" and scheduled_for > now + timedelta(days=7):
        raise RuleViolation("scheduled_for", "an urgent meeting is held within a week")
    if kind == "next_day" and scheduled_for.date() != (now + timedelta(days=1)).date():
        raise RuleViolation("scheduled_for", "a next-day meeting is held tomorrow, with one day's notice")


def next_regular_meeting(last: datetime | None, now: datetime) -> datetime:
    base = last or now
    return max(base + timedelta(days=REGULAR_INTERVAL_DAYS), now + timedelta(days=1))


# --- the assessment instrument ----------------------------------------------------------------


@cache
def instrument(version: str = CURRENT_INSTRUMENT) -> dict:
    path = files(__package__).joinpath("instruments", f"vurderingsvaerktoej-{version}.json")
    if not path.is_file():
        raise RuleViolation("instrument_version", f"unknown instrument version '{version}'")
    return json.loads(path.read_text("utf-8"))


def check_dimensions(version: str, notes: list[dict]) -> None:
    known = {d["id"] for d in instrument(version)["dimensions"]}
    for index, note in enumerate(notes):
        if note["dimension"] not in known:
            raise RuleViolation(f"dimensions.{index}.dimension", f"not a dimension of instrument {version}")


@dataclass(frozen=True)
class DimensionChange:
    dimension: str
    first: list[dict]
    second: list[dict]


def compare(first_notes: list[dict], second_notes: list[dict], version: str) -> list[DimensionChange]:
    """Per dimension, what each assessment said (risk or resource), in the instrument's order."""
    def by_dimension(notes: list[dict]) -> dict[str, list[dict]]:
        grouped: dict[str, list[dict]] = {}
        for note in notes:
            grouped.setdefault(note["dimension"], []).append({"tag": note["tag"], "note": note["note"]})
        return grouped

    a, b = by_dimension(first_notes), by_dimension(second_notes)
    return [DimensionChange(d["id"], a.get(d["id"], []), b.get(d["id"], []))
            for d in instrument(version)["dimensions"]]


def utcnow() -> datetime:
    return datetime.now(UTC)
