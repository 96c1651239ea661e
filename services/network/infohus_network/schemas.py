"""What the network's HTTP API takes and gives. Free text is screened by ``freetext`` in ``forum``."""

from datetime import date, datetime
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field

from .domain import FILENAME_PATTERN, TAG_PATTERN, AttendanceStatus, KnowledgeKind, KnowledgeSource, MemberRole

Text200 = Annotated[str, Field(min_length=1, max_length=200)]
Tag = Annotated[str, Field(pattern=TAG_PATTERN)]
Confirmation = Annotated[
    bool,
    Field(description="The author confirms that the text describes no individual case (required on every post)."),
]


class Request(BaseModel):
    model_config = ConfigDict(extra="forbid")


# -- district ---------------------------------------------------------------------------------


class CadenceIn(Request):
    cadence_months: int = Field(ge=3, le=6, description="3 (quarterly) to 6 (half-yearly)")
    summon_notice_days: int = Field(ge=1, le=90)


class MunicipalityRef(BaseModel):
    code: str
    name: str


class DistrictOut(BaseModel):
    district: str
    name: str
    municipalities: list[MunicipalityRef]
    cadence_months: int
    summon_notice_days: int
    last_meeting_at: datetime | None
    next_meeting_at: datetime | None
    next_meeting_due_by: date | None
    meeting_overdue: bool
    summon_by: date | None
    summon_overdue: bool


# -- members ----------------------------------------------------------------------------------


class MemberIn(Request):
    name: Text200
    email: str = Field(max_length=254, pattern=r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
    role: MemberRole
    municipality_code: str | None = Field(None, pattern=r"^\d{3}$", description="None for the police district")
    hands_knowledge_on_to: str | None = Field(None, max_length=300, description="Leaders: to whom they pass it on")


class MemberPatch(Request):
    name: Text200 | None = None
    email: str | None = Field(None, max_length=254, pattern=r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
    role: MemberRole | None = None
    hands_knowledge_on_to: str | None = Field(None, max_length=300)
    active: bool | None = None


class MemberOut(BaseModel):
    id: str
    name: str
    email: str
    role: MemberRole
    municipality_code: str | None
    municipality_name: str | None
    hands_knowledge_on_to: str | None
    active: bool
    created_at: datetime


class MunicipalityOut(BaseModel):
    code: str
    name: str
    coordinators: int
    leaders: int
    members: list[MemberOut]


# -- meetings ---------------------------------------------------------------------------------


class MeetingIn(Request):
    title: Text200
    starts_at: datetime
    location: str | None = Field(None, max_length=200)


class AgendaItemIn(Request):
    title: Text200
    description: str | None = Field(None, max_length=4000)
    duration_minutes: int | None = Field(None, ge=1, le=480)
    confirms_no_individual_case: Confirmation = False


class AgendaItemOut(BaseModel):
    id: str
    position: int
    title: str
    description: str | None
    duration_minutes: int | None
    proposed_by_name: str
    proposer_municipality_code: str | None
    created_at: datetime


class SummonIn(Request):
    allow_short_notice: bool = False


class InvitationOut(BaseModel):
    id: str
    member_id: str
    email: str
    status: str
    queued_at: datetime


class AttendanceEntry(Request):
    member_id: str = Field(max_length=36)
    status: AttendanceStatus


class AttendanceIn(Request):
    entries: list[AttendanceEntry] = Field(min_length=1, max_length=300)


class AttendanceOut(BaseModel):
    member_id: str
    member_name: str
    municipality_code: str | None
    status: AttendanceStatus
    recorded_at: datetime


class MinutesIn(Request):
    body: str = Field(min_length=1, max_length=20000)
    confirms_no_individual_case: Confirmation = False


class MinutesOut(BaseModel):
    body: str
    author_name: str
    updated_at: datetime


class MeetingOut(BaseModel):
    id: str
    title: str
    starts_at: datetime
    location: str | None
    status: str
    convened_by_name: str
    created_at: datetime
    summoned_at: datetime | None
    cancelled_at: datetime | None


class MeetingDetail(MeetingOut):
    agenda: list[AgendaItemOut]
    invitations: dict[str, int]
    attendance: list[AttendanceOut]
    minutes: MinutesOut | None
    agenda_by_municipality: dict[str, int] = Field(description="agenda items per proposing municipality ('police')")


# -- engagement -------------------------------------------------------------------------------


class EngagementMeeting(BaseModel):
    meeting_id: str
    starts_at: datetime
    attended: bool
    agenda_items: int


class MunicipalityEngagementOut(BaseModel):
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
    status: str = Field(description="engaged | drifting | not_represented")
    reasons: list[str]
    timeline: list[EngagementMeeting]


class EngagementOut(BaseModel):
    district: str
    window_meetings: int
    municipalities: list[MunicipalityEngagementOut]


# -- knowledge --------------------------------------------------------------------------------


class KnowledgeIn(Request):
    title: Text200
    body: str = Field(min_length=1, max_length=20000)
    kind: KnowledgeKind
    source: KnowledgeSource
    tags: list[Tag] = Field(default_factory=list, max_length=10)
    meeting_id: str | None = Field(None, max_length=36)
    confirms_no_individual_case: Confirmation = False


class AttachmentOut(BaseModel):
    id: str
    filename: str
    content_type: str
    size: int
    sha256: str
    created_at: datetime
    url: str


class KnowledgeOut(BaseModel):
    id: str
    title: str
    body: str
    kind: KnowledgeKind
    source: KnowledgeSource
    tags: list[str]
    meeting_id: str | None
    author_name: str
    author_municipality_code: str | None
    created_at: datetime
    attachments: list[AttachmentOut]


FilenameQuery = Annotated[str, Field(pattern=FILENAME_PATTERN, max_length=120)]


# -- statistics -------------------------------------------------------------------------------


class CombinedCell(BaseModel):
    metric: str
    dimension_value: str | None
    count: int | None = Field(description="null when suppressed")
    suppressed: bool
    at_least: bool = Field(description="some parts were suppressed at source: the true count is higher")
    suppressed_parts: int
    municipalities: int


class MunicipalityStatistics(BaseModel):
    municipality_code: str
    name: str
    cells: list[CombinedCell]


class ReportingMunicipality(BaseModel):
    code: str
    name: str
    reporting: bool


class StatisticsOut(BaseModel):
    district: str
    district_name: str
    period: str
    months: list[str]
    k: int
    municipalities: list[ReportingMunicipality]
    cells: list[CombinedCell]
    by_municipality: list[MunicipalityStatistics] | None = None
