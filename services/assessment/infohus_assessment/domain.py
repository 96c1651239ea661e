"""Case rules, no I/O: stages, lead, approval, follow-up, meetings and the assessment instrument.

A broken rule raises the platform's ``RuleViolation`` (a pure exception); this module knows no HTTP.
"""

import hashlib
import hmac
import json
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from functools import cache
from importlib.resources import files

from infohus_contracts.base.municipalities import police_district_of
from infohus_contracts.case.events import (
    Authority,
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
REMINDER_DAYS_BEFORE_DEADLINE = 3
UNDERRETNING_NOTICE = ("En bekymringshenvendelse til infohuset erstatter ikke en underretning til "
                       "Børne- og Familierådgivningen (Barnets lov §§ 132-135).")
# The stages from which an authority may be asked: after an initial assessment that upheld the concern.
ENRICHMENT_STAGES = (CaseStage.ENRICHMENT.value, CaseStage.DECISION.value, CaseStage.EFFORT.value,
                     CaseStage.FOLLOW_UP.value)


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


def is_minor(birth_date: date | None, day: date) -> bool:
    """Under 18 on ``day``; an unknown age is not under 18 (the notice shows only when the age is known)."""
    age = age_on(birth_date, day)
    return age is not None and age < ADULT_AGE


def is_overdue(next_follow_up: date | None, stage: str, day: date) -> bool:
    return bool(next_follow_up and next_follow_up < day and stage != CaseStage.CLOSED.value)


def require_open(stage: str, field: str) -> None:
    if stage == CaseStage.CLOSED.value:
        raise RuleViolation(field, "the case is closed")


def check_initial_pending(stage: str) -> None:
    if stage != CaseStage.RECEIVED.value:
        raise RuleViolation("outcome", "the initial assessment has already been made")


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


# --- enrichment (berigelse) -----------------------------------------------------------------------

def check_enrichment_request(stage: str, deadline: date, today: date) -> None:
    require_open(stage, "authority")
    if stage not in ENRICHMENT_STAGES:
        raise RuleViolation("authority", "enrichment follows an initial assessment that upheld the concern")
    if deadline <= today:
        raise RuleViolation("deadline", "must be after today")


def remind_on(deadline: date, today: date) -> date:
    """The reminder goes out a few days before the deadline (at once when that day has passed)."""
    return max(today, deadline - timedelta(days=REMINDER_DAYS_BEFORE_DEADLINE))


def check_answerable(status: str) -> None:
    if status == "answered":
        raise RuleViolation("answer", "this request has already been answered")


def recipient_kind(authority: Authority) -> str:
    """The kind of recipient the share policy knows the authority as."""
    return "self_governing_institution" if authority is Authority.AD_HOC else authority.value


def authority_org(authority: Authority, municipality_code: str) -> str:
    """The organisation asked: the police district for local police, otherwise the municipality."""
    if authority is Authority.LOCAL_POLICE:
        return f"politikreds-{police_district_of(municipality_code)}"
    return f"kommune-{municipality_code}"


def acting_role(roles: list[str]) -> str:
    """The role a request is made in, as the share policy reads it."""
    for role in ("ssp_coordinator", "police_coordinator", "leadership"):
        if role in roles:
            return role
    return roles[0] if roles else "unknown"


# --- assessment, decision, follow-up ------------------------------------------------------------

def check_can_assess(stage: str) -> None:
    require_open(stage, "concern_level")
    if stage == CaseStage.RECEIVED.value:
        raise RuleViolation("concern_level", "make the initial assessment first")


def check_approvable(approval: str) -> None:
    if approval != "pending":
        raise RuleViolation("decision", "this decision is not awaiting leadership approval")


def check_pet_signoff(pet_status: str, decided_by: str, actor: str) -> None:
    """The report to PET needs a second person (four-eyes)."""
    if pet_status != "awaiting_signoff":
        raise RuleViolation("decision", "no PET report is awaiting sign-off on this decision")
    if actor == decided_by:
        raise RuleViolation("decision", "a second person must sign off the report to PET")


def check_can_follow_up(stage: str) -> None:
    require_open(stage, "note")
    if stage not in (CaseStage.EFFORT.value, CaseStage.FOLLOW_UP.value):
        raise RuleViolation("note", "follow-up starts once an effort has started")


def hands_over_at_18(lead: str, birth_date: date | None, today: date) -> bool:
    """The lead passes from SSP to local police once the person is 18 (tovholderskifte)."""
    return lead == LeadRole.SSP_COORDINATOR.value and (age_on(birth_date, today) or 0) >= ADULT_AGE


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


# --- a member of a district (issue 13): the flows between a municipality and its police district -------------

# Every § 115 share needs its necessity (retsplejeloven § 115 stk. 1: "må anses for nødvendig"); the messages the
# system sends by itself state why, in Danish, as the share policy records it.
NECESSITY = {
    "turned_18": "Personen er fyldt 18 år: tovholderrollen overgår til politiet, der skal kende sagen for at "
                 "videreføre den forebyggende indsats.",
    "imminent_risk": "Den indledende vurdering fandt akut risiko: sagen overgår straks til politiet, der skal kende "
                     "bekymringen for at kunne forebygge.",
    "pet_report": "Kommunen har besluttet at underrette PET/EAE; underretningen går gennem lokalpolitiet, der "
                  "journaliserer den.",
    "pet_report_filed": "Kvittering til kommunen: underretningen af PET/EAE er journaliseret (kun procesdata).",
    "index_entry": "Kendt-andetsteds-indekset: kun et pseudonym og organisationen, så koordinatorerne i distriktet "
                   "kan finde hinanden.",
    "index_entry_removed": "Indekset skal glemme registreringen, fordi dens sletningsfrist er nået.",
    "index_lookup": "Koordinatoren spørger, om personen er kendt andetsteds i distriktet (kun hit eller intet hit).",
    "index_answer": "Svar på kommunens opslag: hit eller intet hit og hvem der kan kontaktes, intet indhold.",
    "index_hit": "Besked uden indhold: en anden organisation har spurgt til en person, I har en registrering om.",
}
HANDOVER_REASONS = ("turned_18", "imminent_risk")
HANDOVER_LEAD_CHANGE = {"turned_18": "the person turned 18", "imminent_risk": "imminent risk: the police district "
                                                                             "holds the lead"}


def pseudonym(cpr: str, key: bytes) -> str:
    """The known-elsewhere index's pseudonym of a CPR number: hex HMAC-SHA256 under the district's key."""
    return hmac.new(key, cpr.encode(), hashlib.sha256).hexdigest()


def contact_orgs(holders: list[str], asked_by: str) -> list[str]:
    """Whom an asker may contact: the other organisations holding the pseudonym, each once, never the asker."""
    return sorted({org for org in holders if org != asked_by})


def municipality_of_org(org: str, served: tuple[str, ...]) -> str | None:
    """The municipality a message to a municipality's instance is about: its own code, else the first served."""
    own = org.removeprefix("kommune-")
    return own if own in served else (served[0] if served else None)


def check_forwarded(forwarded_by: str, sender_org: str, municipality_code: str, served: frozenset[str]) -> None:
    if forwarded_by != sender_org:
        raise RuleViolation("forwarded_by", "the forwarding organisation is not the sender")
    if municipality_code not in served:
        raise RuleViolation("concern.municipality_code", "this instance does not serve that municipality")


def check_answer_from(recipient_org: str | None, sender_org: str, status: str) -> None:
    """An answer comes from the organisation that was asked, once."""
    if recipient_org != sender_org:
        raise RuleViolation("request_id", "the request was not sent to this organisation")
    check_answerable(status)


def check_pet_filing(status: str) -> None:
    if status != "awaiting_filing":
        raise RuleViolation("report", "this report is not awaiting filing")


def check_pet_filing_signoff(status: str, filed_by: str | None, actor: str) -> None:
    """Filing a report to PET/EAE needs a second person (four-eyes), as the municipality's own report did."""
    if status != "awaiting_signoff":
        raise RuleViolation("report", "no filing of this report is awaiting sign-off")
    if actor == filed_by:
        raise RuleViolation("report", "a second person must sign off the filing of the report")


def check_pet_filed(pet_status: str) -> None:
    if pet_status != "shared":
        raise RuleViolation("report_id", "this report was not shared with the police district or is already filed")


def check_lookup_answerable(status: str) -> None:
    if status != "pending":
        raise RuleViolation("lookup_id", "this lookup has already been answered")


def utcnow() -> datetime:
    return datetime.now(UTC)


def as_utc(moment: datetime) -> datetime:
    """A moment without a zone is read as UTC."""
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)
