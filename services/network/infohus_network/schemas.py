"""What the network's HTTP API takes and gives. Free text is screened by ``freetext`` in ``service``.

Where an answer is a domain rule's result (engagement, the combined statistics), the domain type is
the single source of its fields: ``fields_of`` builds the response model from it, so a field added to
the rule's result appears in the answer without being copied here.
"""

import dataclasses
from collections.abc import Callable
from datetime import date, datetime
from typing import Annotated, Any, TypeVar, get_type_hints

from pydantic import BaseModel, ConfigDict, Field, create_model

from infohus_contracts.base.text import PlainText

from . import domain
from .domain import TAG_PATTERN, AttendanceStatus, KnowledgeKind, KnowledgeSource, MemberRole

Model = TypeVar("Model", bound=BaseModel)


def fields_of(source: type, **overrides: tuple[Any, Any]) -> Callable[[type[Model]], type[Model]]:
    """Give the decorated response model the fields of ``source`` (a dataclass or TypedDict), in its order.

    Every field is required in the answer (a default of the rule's result is not one of the API's);
    ``overrides`` give a field a response type or a description, as ``(type, Field(...))``. The model
    reads the rule's result by attribute (``model_validate(result, from_attributes=True)``).
    """
    hints = get_type_hints(source)
    names = [f.name for f in dataclasses.fields(source)] if dataclasses.is_dataclass(source) else list(hints)
    unknown = set(overrides) - set(names)
    if unknown:
        raise TypeError(f"{source.__name__} has no field {', '.join(sorted(unknown))}")

    def derive(model: type[Model]) -> type[Model]:
        fields: dict[str, Any] = {name: overrides.get(name, (hints[name], ...)) for name in names}
        return create_model(model.__name__, __base__=model, __module__=model.__module__, __doc__=model.__doc__,
                            **fields)

    return derive


Text200 = Annotated[str, Field(min_length=1, max_length=200)]
Tag = Annotated[str, Field(pattern=TAG_PATTERN)]
Confirmation = Annotated[
    bool,
    Field(description="The author confirms that the text describes no individual case (required on every post)."),
]


class StrictRequest(PlainText):
    """A request body: a field the API does not know is refused, not ignored; no text in it holds a control
    character."""

    model_config = ConfigDict(extra="forbid")


# -- district ---------------------------------------------------------------------------------


class CadenceUpdate(StrictRequest):
    cadence_months: int = Field(ge=3, le=6, description="3 (quarterly) to 6 (half-yearly)")
    summon_notice_days: int = Field(ge=1, le=90)


class MunicipalityRefPublic(BaseModel):
    code: str
    name: str


class DistrictPublic(BaseModel):
    district: str
    name: str
    municipalities: list[MunicipalityRefPublic]
    cadence_months: int
    summon_notice_days: int
    last_meeting_at: datetime | None
    next_meeting_at: datetime | None
    next_meeting_due_by: date | None
    meeting_overdue: bool
    summon_by: date | None
    summon_overdue: bool


# -- members ----------------------------------------------------------------------------------


class MemberCreate(StrictRequest):
    name: Text200
    email: str = Field(max_length=254, pattern=r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
    role: MemberRole
    municipality_code: str | None = Field(None, pattern=r"^\d{3}$", description="None for the police district")
    hands_knowledge_on_to: str | None = Field(None, max_length=300, description="Leaders: to whom they pass it on")


class MemberUpdate(StrictRequest):
    name: Text200 | None = None
    email: str | None = Field(None, max_length=254, pattern=r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
    role: MemberRole | None = None
    hands_knowledge_on_to: str | None = Field(None, max_length=300)
    active: bool | None = None


class MemberPublic(BaseModel):
    id: str
    name: str
    email: str
    role: MemberRole
    municipality_code: str | None
    municipality_name: str | None
    hands_knowledge_on_to: str | None
    active: bool
    created_at: datetime


class MunicipalityPublic(BaseModel):
    code: str
    name: str
    coordinators: int
    leaders: int
    members: list[MemberPublic]


# -- meetings ---------------------------------------------------------------------------------


class MeetingCreate(StrictRequest):
    title: Text200
    starts_at: datetime
    location: str | None = Field(None, max_length=200)


class AgendaItemCreate(StrictRequest):
    title: Text200
    description: str | None = Field(None, max_length=4000)
    duration_minutes: int | None = Field(None, ge=1, le=480)
    confirms_no_individual_case: Confirmation = False


class AgendaItemPublic(BaseModel):
    id: str
    position: int
    title: str
    description: str | None
    duration_minutes: int | None
    proposed_by_name: str
    proposer_municipality_code: str | None
    created_at: datetime


class SummonsCreate(StrictRequest):
    allow_short_notice: bool = False


class InvitationPublic(BaseModel):
    id: str
    member_id: str
    email: str
    status: str
    queued_at: datetime


class AttendanceEntry(StrictRequest):
    member_id: str = Field(max_length=36)
    status: AttendanceStatus


class AttendanceUpdate(StrictRequest):
    entries: list[AttendanceEntry] = Field(min_length=1, max_length=300)


class AttendancePublic(BaseModel):
    member_id: str
    member_name: str
    municipality_code: str | None
    status: AttendanceStatus
    recorded_at: datetime


class MinutesUpdate(StrictRequest):
    body: str = Field(min_length=1, max_length=20000)
    confirms_no_individual_case: Confirmation = False


class MinutesPublic(BaseModel):
    body: str
    author_name: str
    updated_at: datetime


class MeetingPublic(BaseModel):
    id: str
    title: str
    starts_at: datetime
    location: str | None
    status: str
    convened_by_name: str
    created_at: datetime
    summoned_at: datetime | None
    cancelled_at: datetime | None


class MeetingDetailPublic(MeetingPublic):
    agenda: list[AgendaItemPublic]
    invitations: dict[str, int]
    attendance: list[AttendancePublic]
    minutes: MinutesPublic | None
    agenda_by_municipality: dict[str, int] = Field(description="agenda items per proposing municipality ('police')")


# -- engagement -------------------------------------------------------------------------------


@fields_of(domain.EngagementMeeting)
class EngagementMeetingPublic(BaseModel):  # one held meeting in a municipality's timeline
    pass


@fields_of(
    domain.MunicipalityEngagement,
    status=(str, Field(description="engaged | drifting | not_represented")),
    reasons=(list[str], ...),
    timeline=(list[EngagementMeetingPublic], ...),
)
class MunicipalityEngagementPublic(BaseModel):  # a municipality's attendance and contributions
    pass


class EngagementPublic(BaseModel):
    district: str
    window_meetings: int
    municipalities: list[MunicipalityEngagementPublic]


# -- knowledge --------------------------------------------------------------------------------


class KnowledgeCreate(StrictRequest):
    title: Text200
    body: str = Field(min_length=1, max_length=20000)
    kind: KnowledgeKind
    source: KnowledgeSource
    tags: list[Tag] = Field(default_factory=list, max_length=10)
    meeting_id: str | None = Field(None, max_length=36)
    confirms_no_individual_case: Confirmation = False


class AttachmentPublic(BaseModel):
    id: str
    filename: str
    content_type: str
    size: int
    sha256: str
    created_at: datetime
    url: str


class KnowledgePublic(BaseModel):
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
    attachments: list[AttachmentPublic]


# -- statistics -------------------------------------------------------------------------------


@fields_of(
    domain.Combined,
    count=(int | None, Field(description="null when suppressed")),
    at_least=(bool, Field(description="some parts were suppressed at source: the true count is higher")),
)
class CombinedCellPublic(BaseModel):  # one combined cell of the district's statistics
    pass


class AggregateCountPublic(BaseModel):
    """``GET /api/v1/aggregates``: a municipality's volume for a month (the shape the thin path knows)."""

    municipality_code: str
    period: str
    metric: str
    count: int | None
    suppressed: bool
    k: int
    computed_at: datetime


class MunicipalityStatisticsPublic(BaseModel):
    municipality_code: str
    name: str
    cells: list[CombinedCellPublic]


class ReportingMunicipalityPublic(BaseModel):
    code: str
    name: str
    reporting: bool


class StatisticsPublic(BaseModel):
    district: str
    district_name: str
    period: str
    months: list[str]
    k: int
    municipalities: list[ReportingMunicipalityPublic]
    cells: list[CombinedCellPublic]
    by_municipality: list[MunicipalityStatisticsPublic] | None = None
