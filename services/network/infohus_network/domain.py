"""The network's rules, no I/O: district, meetings and cadence, engagement, knowledge, statistics.

The network (Infohus Netværk) is one per police district: the police coordinator and the
coordinators of every municipality in the district meet to share knowledge. It never sees a case:
its statistics are the municipalities' own suppressed counts, combined here and suppressed again.
"""

import calendar
import re
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from enum import StrEnum
from typing import TypedDict

from infohus_contracts.base.aggregates import AggregateMetric
from infohus_contracts.base.municipalities import municipality_name, police_district_of, police_districts
from infohus_platform.errors import RuleViolation, TooLarge, UnsupportedType

__all__ = ["RuleViolation"]  # the forum's rules raise the platform's errors; tests import it from here


# ---------------------------------------------------------------------------------------------
# District and members
# ---------------------------------------------------------------------------------------------


def district_municipalities(district: str) -> list[str]:
    return list(police_districts()[district]["municipalities"])


def district_name(district: str) -> str:
    return police_districts()[district]["name"]


def in_district(municipality_code: str, district: str) -> bool:
    return police_district_of(municipality_code) == district


class MemberRole(StrEnum):
    POLICE_COORDINATOR = "police_coordinator"
    MUNICIPAL_COORDINATOR = "municipal_coordinator"
    LEADER = "leader"
    STAFF = "staff"


def check_member(role: MemberRole, municipality_code: str | None, hands_knowledge_on_to: str | None,
                 district: str) -> None:
    """Police coordinators belong to the district, municipal coordinators to a municipality in it;
    a leader who attends says to whom they hand the knowledge on (a known problem of the network)."""
    if municipality_code is not None and not in_district(municipality_code, district):
        raise RuleViolation("municipality_code", f"not a municipality of police district {district}")
    if role is MemberRole.POLICE_COORDINATOR and municipality_code is not None:
        raise RuleViolation("municipality_code",
                            "a police coordinator represents the police district, not a municipality")
    if role is MemberRole.MUNICIPAL_COORDINATOR and municipality_code is None:
        raise RuleViolation("municipality_code", "a municipal coordinator needs the municipality")
    if role is MemberRole.LEADER and not (hands_knowledge_on_to or "").strip():
        raise RuleViolation("hands_knowledge_on_to", "a leader who attends names whom they hand the knowledge on to")


# ---------------------------------------------------------------------------------------------
# Meetings: cadence, notice, attendance
# ---------------------------------------------------------------------------------------------

MIN_CADENCE_MONTHS, MAX_CADENCE_MONTHS = 3, 6  # quarterly to half-yearly


class MeetingStatus(StrEnum):
    PLANNED = "planned"
    SUMMONED = "summoned"
    CANCELLED = "cancelled"


class AttendanceStatus(StrEnum):
    PRESENT = "present"
    ABSENT = "absent"
    EXCUSED = "excused"


def add_months(day: date, months: int) -> date:
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def aware(moment: datetime) -> datetime:
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


def check_summon(starts_at: datetime, status: str, now: datetime, notice_days: int, allow_short_notice: bool) -> None:
    """Members are summoned in good time: at least ``notice_days`` before the meeting."""
    if status == MeetingStatus.CANCELLED:
        raise RuleViolation("meeting", "the meeting is cancelled")
    if aware(starts_at) <= now:
        raise RuleViolation("meeting", "the meeting has already begun; it can no longer be summoned")
    if aware(starts_at) - now < timedelta(days=notice_days) and not allow_short_notice:
        raise RuleViolation(
            "allow_short_notice",
            f"the district summons at least {notice_days} days ahead; set allow_short_notice to summon anyway",
        )


def check_after_start(starts_at: datetime, status: str, now: datetime, what: str) -> None:
    if status == MeetingStatus.CANCELLED:
        raise RuleViolation("meeting", "the meeting is cancelled")
    if aware(starts_at) > now:
        raise RuleViolation("meeting", f"{what} can be recorded once the meeting has begun")


def check_open(status: str) -> None:
    if status == MeetingStatus.CANCELLED:
        raise RuleViolation("meeting", "the meeting is cancelled")


@dataclass(frozen=True)
class Cadence:
    months: int
    notice_days: int
    last_meeting_at: datetime | None
    next_meeting_at: datetime | None
    next_meeting_summoned: bool

    def due_by(self) -> date | None:
        """When the next meeting should be held at the latest, counted from the last one."""
        return add_months(self.last_meeting_at.date(), self.months) if self.last_meeting_at else None

    def summon_by(self) -> date | None:
        return (self.next_meeting_at - timedelta(days=self.notice_days)).date() if self.next_meeting_at else None

    def status(self, now: datetime) -> dict:
        due = self.due_by()
        summon_by = self.summon_by()
        return {
            "cadence_months": self.months,
            "summon_notice_days": self.notice_days,
            "last_meeting_at": self.last_meeting_at,
            "next_meeting_at": self.next_meeting_at,
            "next_meeting_due_by": due,
            "meeting_overdue": self.next_meeting_at is None and due is not None and now.date() > due,
            "summon_by": summon_by,
            "summon_overdue": (summon_by is not None and not self.next_meeting_summoned and now.date() > summon_by),
        }


# ---------------------------------------------------------------------------------------------
# Engagement per municipality over time
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class HeldMeeting:
    meeting_id: str
    starts_at: datetime


class EngagementMeeting(TypedDict):
    """One held meeting in a municipality's timeline: did it attend, how many agenda items did it bring."""

    meeting_id: str
    starts_at: datetime
    attended: bool
    agenda_items: int


@dataclass
class MunicipalityEngagement:
    municipality_code: str
    name: str
    members: int
    leaders: int
    meetings_held: int
    meetings_attended: int
    attendance_rate: float | None
    agenda_items: int
    knowledge_posts: int
    last_attended_at: datetime | None
    status: str  # engaged | drifting | not_represented
    reasons: list[str] = field(default_factory=list)
    timeline: list[EngagementMeeting] = field(default_factory=list)


def engagement(
    municipalities: Sequence[str],
    held: Sequence[HeldMeeting],
    present: Iterable[tuple[str, str]],
    members: Iterable[tuple[str, str]],
    agenda_items: Iterable[tuple[str, str]],
    knowledge_posts: Iterable[tuple[str, datetime]],
    window: int = 4,
) -> list[MunicipalityEngagement]:
    """Attendance and contributions per municipality over the last ``window`` held meetings.

    ``present``: (meeting id, municipality) for each member present; ``members``: (municipality,
    role) of active members; ``agenda_items``: (meeting id, municipality of the proposer);
    ``knowledge_posts``: (municipality of the author, posted at). A municipality drifts away when it
    missed the last two meetings or attended fewer than half of them.
    """
    recent = sorted(held, key=lambda m: aware(m.starts_at))[-window:] if window > 0 else []
    since = aware(recent[0].starts_at) if recent else None
    attended: dict[str, set[str]] = defaultdict(set)
    for meeting_id, code in present:
        attended[code].add(meeting_id)
    member_count: dict[str, int] = defaultdict(int)
    leader_count: dict[str, int] = defaultdict(int)
    for code, role in members:
        member_count[code] += 1
        leader_count[code] += role == MemberRole.LEADER
    items: dict[tuple[str, str], int] = defaultdict(int)
    for meeting_id, code in agenda_items:
        items[(meeting_id, code)] += 1
    posts: dict[str, int] = defaultdict(int)
    for code, posted_at in knowledge_posts:
        if since is None or aware(posted_at) >= since:
            posts[code] += 1

    out = []
    for code in municipalities:
        timeline: list[EngagementMeeting] = [
            {"meeting_id": m.meeting_id, "starts_at": m.starts_at, "attended": m.meeting_id in attended[code],
             "agenda_items": items[(m.meeting_id, code)]}
            for m in recent
        ]
        went = [t for t in timeline if t["attended"]]
        rate = round(len(went) / len(timeline), 2) if timeline else None
        reasons = []
        if member_count[code] == 0:
            reasons.append("no_members")
        if len(timeline) >= 2 and not timeline[-1]["attended"] and not timeline[-2]["attended"]:
            reasons.append("missed_last_two_meetings")
        if rate is not None and len(timeline) >= 2 and rate < 0.5:
            reasons.append("attended_less_than_half")
        agenda_total = sum(t["agenda_items"] for t in timeline)
        if timeline and agenda_total == 0 and posts[code] == 0:
            reasons.append("no_contributions")
        status = ("not_represented" if member_count[code] == 0
                  else "drifting" if {"missed_last_two_meetings", "attended_less_than_half"} & set(reasons)
                  else "engaged")
        out.append(MunicipalityEngagement(
            municipality_code=code, name=municipality_name(code) or code, members=member_count[code],
            leaders=leader_count[code], meetings_held=len(timeline), meetings_attended=len(went),
            attendance_rate=rate, agenda_items=agenda_total, knowledge_posts=posts[code],
            last_attended_at=went[-1]["starts_at"] if went else None, status=status, reasons=reasons,
            timeline=timeline,
        ))
    return out


# ---------------------------------------------------------------------------------------------
# Knowledge
# ---------------------------------------------------------------------------------------------


class KnowledgeKind(StrEnum):
    TALK = "talk"  # oplæg
    MATERIAL = "material"
    TREND = "trend"  # tendenser "på et generelt niveau"
    ACTION_CARD = "action_card"  # handlekort


class KnowledgeSource(StrEnum):
    """Who the knowledge comes from: the national actors, or the district itself."""

    PET = "pet"
    NATIONAL_CENTRE = "national_centre_prevention_extremism"  # Nationalt Center for Forebyggelse af Ekstremisme
    RIGSPOLITIET_PREVENTION = "rigspolitiet_prevention_centre"  # Rigspolitiets Nationale Forebyggelsescenter
    KRIMINALFORSORGEN = "kriminalforsorgen"
    EDUCATION_AGENCY = "education_agency"  # Styrelsen for Undervisning og Kvalitet
    POLICE_DISTRICT = "police_district"
    MUNICIPALITY = "municipality"
    OTHER = "other"


TAG_PATTERN = r"^[0-9A-Za-zÆØÅæøåÉé][0-9A-Za-zÆØÅæøåÉé /-]{0,39}$"


def search_terms(query: str) -> list[str]:
    """Lower-cased words to look for (all must match); quotes group words into one term."""
    terms = [a or b for a, b in re.findall(r'"([^"]+)"|(\S+)', query.lower())]
    return [t.strip() for t in terms if t.strip()][:8]


def matches(text: str, terms: Sequence[str]) -> bool:
    lowered = text.lower()
    return all(term in lowered for term in terms)


# Attachments: the types the network takes, how each one starts, and whether its text can be screened.
ATTACHMENT_TYPES: dict[str, tuple[bytes | None, str]] = {
    "application/pdf": (b"%PDF-", "pdf"),
    "text/plain": (None, "text"),
    "text/markdown": (None, "text"),
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document": (b"PK\x03\x04", "ooxml"),
    "application/vnd.openxmlformats-officedocument.presentationml.presentation": (b"PK\x03\x04", "ooxml"),
}
FILENAME_PATTERN = r"^[0-9A-Za-zÆØÅæøå][0-9A-Za-zÆØÅæøå ._()-]{0,119}$"


def check_attachment(content_type: str, data: bytes, max_bytes: int) -> str:
    """The attachment's kind ('pdf', 'text', 'ooxml'), or a ``RuleViolation``."""
    media_type = content_type.split(";")[0].strip().lower()
    if media_type not in ATTACHMENT_TYPES:
        raise UnsupportedType("content-type", f"allowed types: {', '.join(sorted(ATTACHMENT_TYPES))}")
    if not data:
        raise RuleViolation("body", "the attachment is empty")
    if len(data) > max_bytes:
        raise TooLarge("body", f"the attachment is larger than {max_bytes} bytes")
    magic, kind = ATTACHMENT_TYPES[media_type]
    if magic is not None and not data.startswith(magic):
        raise RuleViolation("body", f"the content is not {media_type}")
    if kind == "text":
        try:
            data.decode("utf-8")
        except UnicodeDecodeError:
            raise RuleViolation("body", "a text attachment must be UTF-8") from None
    return kind


# ---------------------------------------------------------------------------------------------
# District statistics
# ---------------------------------------------------------------------------------------------

_PERIOD = re.compile(r"^(?P<year>\d{4})(?:-(?P<month>0[1-9]|1[0-2])|-Q(?P<quarter>[1-4])|-H(?P<half>[12]))?$")


def months_of(period: str) -> list[str]:
    """'2026-11' → that month; '2026-Q4' → Oct-Dec; '2026-H2' → Jul-Dec; '2026' → the year."""
    match = _PERIOD.match(period)
    if not match:
        raise RuleViolation("period", "use YYYY-MM, YYYY-Qn, YYYY-Hn or YYYY")
    year = match["year"]
    if match["month"]:
        months = [int(match["month"])]
    elif match["quarter"]:
        q = int(match["quarter"])
        months = list(range(3 * q - 2, 3 * q + 1))
    elif match["half"]:
        h = int(match["half"])
        months = list(range(6 * h - 5, 6 * h + 1))
    else:
        months = list(range(1, 13))
    return [f"{year}-{m:02d}" for m in months]


@dataclass(frozen=True)
class Part:
    """One municipality's published cell for one month."""

    municipality_code: str
    period: str
    metric: str
    dimension_value: str | None
    count: int | None
    suppressed: bool
    k: int


@dataclass
class Combined:
    metric: str
    dimension_value: str | None
    count: int | None
    suppressed: bool
    at_least: bool  # some parts were suppressed: the true count is higher than shown
    suppressed_parts: int
    municipalities: int

    def as_dict(self) -> dict:
        return self.__dict__.copy()


METRIC_ORDER = [m.value for m in AggregateMetric]


def combine(parts: Iterable[Part], k: int) -> list[Combined]:
    """Add up published counts per metric and value; a suppressed part adds nothing but is counted.

    Suppression is applied again on the result: a combined count between 0 and k (the larger of
    the current k and any part's k) is not shown, and neither is a zero that hides suppressed parts.
    """
    groups: dict[tuple[str, str | None], list[Part]] = defaultdict(list)
    for part in parts:
        groups[(part.metric, part.dimension_value)].append(part)
    out = []
    for (metric, value), group in groups.items():
        k_here = max([k, *(p.k for p in group)])
        hidden = [p for p in group if p.suppressed or p.count is None or 0 < p.count < k_here]
        total = sum(p.count or 0 for p in group if p not in hidden)
        suppressed = 0 < total < k_here or (total == 0 and bool(hidden))
        out.append(Combined(
            metric=metric, dimension_value=value, count=None if suppressed else total, suppressed=suppressed,
            at_least=bool(hidden) and not suppressed, suppressed_parts=len(hidden),
            municipalities=len({p.municipality_code for p in group}),
        ))
    return sorted(out, key=lambda c: (METRIC_ORDER.index(c.metric) if c.metric in METRIC_ORDER else 99,
                                      c.dimension_value or ""))
