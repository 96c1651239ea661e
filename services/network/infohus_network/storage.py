"""Network's tables: the district's members and meetings, its knowledge, and counts per municipality.

Nothing here is about a person who is the subject of a concern. Members are staff (coordinators and
leaders), whose names and work e-mail addresses the forum needs to invite them. Every free text was
screened (``freetext``) before it was stored.
"""

from datetime import datetime
from typing import ClassVar
from uuid import uuid4

from sqlalchemy import JSON, Column, LargeBinary, Text, UniqueConstraint
from sqlalchemy.orm import defer
from sqlmodel import Field, SQLModel, col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from infohus_contracts.base.aggregates import AggregateMetric, AggregateReport
from infohus_platform.messaging.outbox import utcnow


def new_id() -> str:
    return str(uuid4())


class AggregateCell(SQLModel, table=True):
    """The latest count a municipality published for a month, metric and (for a dimension) value."""

    __tablename__ = "aggregate_cell"
    __data_classes__: ClassVar[dict[str, str]] = {
        "municipality_code": "aggregate",
        "period": "aggregate",
        "metric": "aggregate",
        "dimension_value": "aggregate",
        "count": "aggregate",
        "suppressed": "aggregate",
        "k": "aggregate",
        "computed_at": "aggregate",
        "received_at": "aggregate",
    }

    municipality_code: str = Field(primary_key=True, max_length=3)
    period: str = Field(primary_key=True, max_length=7)
    metric: str = Field(primary_key=True, max_length=32)
    dimension_value: str = Field(default="", primary_key=True, max_length=40)  # "" for the volume
    count: int | None = None
    suppressed: bool
    k: int
    computed_at: datetime
    received_at: datetime = Field(default_factory=utcnow)


class DistrictConfig(SQLModel, table=True):
    __tablename__ = "district_config"
    __data_classes__: ClassVar[dict[str, str]] = {
        "district": "process",
        "cadence_months": "process",
        "summon_notice_days": "process",
        "updated_at": "process",
        "updated_by": "process",
    }

    district: str = Field(primary_key=True, max_length=40)
    cadence_months: int
    summon_notice_days: int
    updated_at: datetime = Field(default_factory=utcnow)
    updated_by: str | None = Field(default=None, max_length=200)


class Member(SQLModel, table=True):
    """A member of the network: the police coordinator, municipal coordinators, attending leaders."""

    __tablename__ = "network_member"
    __data_classes__: ClassVar[dict[str, str]] = {
        "id": "process",
        "name": "process",
        "email": "process",
        "role": "process",
        "municipality_code": "process",
        "hands_knowledge_on_to": "process",
        "active": "process",
        "created_at": "process",
    }

    id: str = Field(default_factory=new_id, primary_key=True, max_length=36)
    name: str = Field(max_length=200)
    email: str = Field(max_length=254)
    role: str = Field(max_length=32)
    municipality_code: str | None = Field(default=None, max_length=3, index=True)  # None: the police district
    hands_knowledge_on_to: str | None = Field(default=None, max_length=300)
    active: bool = True
    created_at: datetime = Field(default_factory=utcnow)


class Meeting(SQLModel, table=True):
    __tablename__ = "network_meeting"
    __data_classes__: ClassVar[dict[str, str]] = {
        "id": "process",
        "title": "general_knowledge",
        "starts_at": "process",
        "location": "general_knowledge",
        "status": "process",
        "convened_by_user_id": "process",
        "convened_by_name": "process",
        "created_at": "process",
        "summoned_at": "process",
        "cancelled_at": "process",
    }

    id: str = Field(default_factory=new_id, primary_key=True, max_length=36)
    title: str = Field(max_length=200)
    starts_at: datetime = Field(index=True)
    location: str | None = Field(default=None, max_length=200)
    status: str = Field(default="planned", max_length=16)
    convened_by_user_id: str = Field(max_length=200)
    convened_by_name: str = Field(default="", max_length=200)
    created_at: datetime = Field(default_factory=utcnow)
    summoned_at: datetime | None = None
    cancelled_at: datetime | None = None


class AgendaItem(SQLModel, table=True):
    __tablename__ = "meeting_agenda_item"
    __data_classes__: ClassVar[dict[str, str]] = {
        "id": "process",
        "meeting_id": "process",
        "position": "process",
        "title": "general_knowledge",
        "description": "general_knowledge",
        "duration_minutes": "process",
        "proposed_by_user_id": "process",
        "proposed_by_name": "process",
        "proposer_municipality_code": "process",
        "created_at": "process",
    }

    id: str = Field(default_factory=new_id, primary_key=True, max_length=36)
    meeting_id: str = Field(foreign_key="network_meeting.id", index=True, max_length=36)
    position: int
    title: str = Field(max_length=200)
    description: str | None = Field(default=None, sa_column=Column(Text))
    duration_minutes: int | None = None
    proposed_by_user_id: str = Field(max_length=200)
    proposed_by_name: str = Field(default="", max_length=200)
    proposer_municipality_code: str | None = Field(default=None, max_length=3)  # None: the police
    created_at: datetime = Field(default_factory=utcnow)


class Invitation(SQLModel, table=True):
    """A summons to a meeting: ``queued`` here, sent by notify (a meeting-summons request per 50 members)."""

    __tablename__ = "meeting_invitation"
    __data_classes__: ClassVar[dict[str, str]] = {
        "id": "process",
        "meeting_id": "process",
        "member_id": "process",
        "email": "process",
        "status": "process",
        "queued_at": "process",
    }
    __table_args__ = (UniqueConstraint("meeting_id", "member_id"),)

    id: str = Field(default_factory=new_id, primary_key=True, max_length=36)
    meeting_id: str = Field(foreign_key="network_meeting.id", index=True, max_length=36)
    member_id: str = Field(foreign_key="network_member.id", max_length=36)
    email: str = Field(max_length=254)
    status: str = Field(default="queued", max_length=16)
    queued_at: datetime = Field(default_factory=utcnow)


class Attendance(SQLModel, table=True):
    __tablename__ = "meeting_attendance"
    __data_classes__: ClassVar[dict[str, str]] = {
        "meeting_id": "process",
        "member_id": "process",
        "status": "process",
        "municipality_code": "process",
        "recorded_at": "process",
        "recorded_by": "process",
    }

    meeting_id: str = Field(foreign_key="network_meeting.id", primary_key=True, max_length=36)
    member_id: str = Field(foreign_key="network_member.id", primary_key=True, max_length=36)
    status: str = Field(max_length=16)
    municipality_code: str | None = Field(default=None, max_length=3)  # the member's, when recorded
    recorded_at: datetime = Field(default_factory=utcnow)
    recorded_by: str = Field(max_length=200)


class Minutes(SQLModel, table=True):
    __tablename__ = "meeting_minutes"
    __data_classes__: ClassVar[dict[str, str]] = {
        "meeting_id": "process",
        "body": "general_knowledge",
        "author_user_id": "process",
        "author_name": "process",
        "updated_at": "process",
    }

    meeting_id: str = Field(foreign_key="network_meeting.id", primary_key=True, max_length=36)
    body: str = Field(sa_column=Column(Text, nullable=False))
    author_user_id: str = Field(max_length=200)
    author_name: str = Field(default="", max_length=200)
    updated_at: datetime = Field(default_factory=utcnow)


class KnowledgePost(SQLModel, table=True):
    __tablename__ = "knowledge_post"
    __data_classes__: ClassVar[dict[str, str]] = {
        "id": "process",
        "title": "general_knowledge",
        "body": "general_knowledge",
        "kind": "general_knowledge",
        "source": "general_knowledge",
        "tags": "general_knowledge",
        "meeting_id": "process",
        "author_user_id": "process",
        "author_name": "process",
        "author_municipality_code": "process",
        "created_at": "process",
        "search_text": "general_knowledge",
    }

    id: str = Field(default_factory=new_id, primary_key=True, max_length=36)
    title: str = Field(max_length=200)
    body: str = Field(sa_column=Column(Text, nullable=False))
    kind: str = Field(max_length=32, index=True)
    source: str = Field(max_length=64, index=True)
    tags: list = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    meeting_id: str | None = Field(default=None, foreign_key="network_meeting.id", max_length=36)
    author_user_id: str = Field(max_length=200)
    author_name: str = Field(default="", max_length=200)
    author_municipality_code: str | None = Field(default=None, max_length=3)  # None: the police
    created_at: datetime = Field(default_factory=utcnow, index=True)
    # Lower-cased title, body, tags and attachments (names and text): what a search looks in.
    search_text: str = Field(default="", sa_column=Column(Text, nullable=False))


class Attachment(SQLModel, table=True):
    __tablename__ = "knowledge_attachment"
    __data_classes__: ClassVar[dict[str, str]] = {
        "id": "process",
        "post_id": "process",
        "filename": "general_knowledge",
        "content_type": "process",
        "size": "process",
        "sha256": "process",
        "data": "general_knowledge",
        "created_at": "process",
        "author_user_id": "process",
    }

    id: str = Field(default_factory=new_id, primary_key=True, max_length=36)
    post_id: str = Field(foreign_key="knowledge_post.id", index=True, max_length=36)
    filename: str = Field(max_length=120)
    content_type: str = Field(max_length=120)
    size: int
    sha256: str = Field(max_length=64)
    data: bytes = Field(sa_column=Column(LargeBinary, nullable=False))
    created_at: datetime = Field(default_factory=utcnow)
    author_user_id: str = Field(max_length=200)


TABLES = (AggregateCell, DistrictConfig, Member, Meeting, AgendaItem, Invitation, Attendance, Minutes,
          KnowledgePost, Attachment)


class AggregateRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def upsert(self, report: AggregateReport) -> bool:
        """Keep the newest count per cell; an older snapshot arriving late changes nothing."""
        key = (report.municipality_code, report.period, report.metric.value, report.dimension_value or "")
        row = await self.session.get(AggregateCell, key)
        if row is not None and row.computed_at.replace(tzinfo=None) >= report.computed_at.replace(tzinfo=None):
            return False
        row = row or AggregateCell(
            municipality_code=key[0], period=key[1], metric=key[2], dimension_value=key[3], suppressed=True,
            k=report.k, computed_at=report.computed_at,
        )
        row.count = report.count
        row.suppressed = report.suppressed
        row.k = report.k
        row.computed_at = report.computed_at
        row.received_at = utcnow()
        self.session.add(row)
        return True

    async def volumes(self) -> list[AggregateCell]:
        """Each municipality's volume (the concerns received) per month."""
        query = (
            select(AggregateCell)
            .where(AggregateCell.metric == AggregateMetric.CONCERNS_RECEIVED.value)
            .order_by(AggregateCell.period, AggregateCell.municipality_code)
        )
        rows = (await self.session.exec(query)).all()
        return list(rows)

    async def cells(self, periods: list[str] | None = None, metric: str | None = None,
                    municipality_code: str | None = None) -> list[AggregateCell]:
        query = select(AggregateCell)
        if periods is not None:
            query = query.where(col(AggregateCell.period).in_(periods))
        if metric is not None:
            query = query.where(AggregateCell.metric == metric)
        if municipality_code is not None:
            query = query.where(AggregateCell.municipality_code == municipality_code)
        query = query.order_by(AggregateCell.period, AggregateCell.municipality_code, AggregateCell.metric,
                               AggregateCell.dimension_value)
        return list((await self.session.exec(query)).all())


class ForumRepository:
    """Members, meetings and knowledge."""

    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    def add(self, row: SQLModel) -> None:
        self.session.add(row)

    async def district_config(self, district: str) -> DistrictConfig | None:
        return await self.session.get(DistrictConfig, district)

    async def member(self, member_id: str) -> Member | None:
        return await self.session.get(Member, member_id)

    async def members(self, municipality_code: str | None = None, active: bool | None = None) -> list[Member]:
        query = select(Member)
        if municipality_code is not None:
            query = query.where(Member.municipality_code == municipality_code)
        if active is not None:
            query = query.where(Member.active == active)
        return list((await self.session.exec(query.order_by(Member.municipality_code, Member.name))).all())

    async def meeting(self, meeting_id: str) -> Meeting | None:
        return await self.session.get(Meeting, meeting_id)

    async def meetings(self) -> list[Meeting]:
        return list((await self.session.exec(select(Meeting).order_by(col(Meeting.starts_at)))).all())

    async def agenda(self, meeting_id: str | None = None) -> list[AgendaItem]:
        query = select(AgendaItem)
        if meeting_id is not None:
            query = query.where(AgendaItem.meeting_id == meeting_id)
        query = query.order_by(col(AgendaItem.meeting_id), col(AgendaItem.position))
        return list((await self.session.exec(query)).all())

    async def invitations(self, meeting_id: str) -> list[Invitation]:
        query = select(Invitation).where(Invitation.meeting_id == meeting_id).order_by(col(Invitation.queued_at))
        return list((await self.session.exec(query)).all())

    async def attendance(self, meeting_id: str | None = None) -> list[Attendance]:
        query = select(Attendance)
        if meeting_id is not None:
            query = query.where(Attendance.meeting_id == meeting_id)
        return list((await self.session.exec(query)).all())

    async def attendance_of(self, meeting_id: str, member_id: str) -> Attendance | None:
        return await self.session.get(Attendance, (meeting_id, member_id))

    async def minutes(self, meeting_id: str) -> Minutes | None:
        return await self.session.get(Minutes, meeting_id)

    async def post(self, post_id: str) -> KnowledgePost | None:
        return await self.session.get(KnowledgePost, post_id)

    async def posts(self, kind: str | None = None, source: str | None = None,
                    terms: list[str] | None = None, limit: int = 50) -> list[KnowledgePost]:
        """Newest first; every term must occur in the post's title, body, tags or attachments."""
        query = select(KnowledgePost)
        if kind is not None:
            query = query.where(KnowledgePost.kind == kind)
        if source is not None:
            query = query.where(KnowledgePost.source == source)
        for term in terms or []:
            escaped = term.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
            query = query.where(col(KnowledgePost.search_text).like(f"%{escaped}%", escape="\\"))
        query = query.order_by(col(KnowledgePost.created_at).desc()).limit(limit)
        return list((await self.session.exec(query)).all())

    async def post_authors(self) -> list[tuple[str | None, datetime]]:
        query = select(KnowledgePost.author_municipality_code, KnowledgePost.created_at)
        return [(code, posted_at) for code, posted_at in (await self.session.exec(query)).all()]

    async def attachments(self, post_id: str) -> list[Attachment]:
        """Without their content (``attachment`` loads one with it)."""
        query = (select(Attachment).options(defer(Attachment.data))  # type: ignore[arg-type]
                 .where(Attachment.post_id == post_id).order_by(col(Attachment.created_at)))
        return list((await self.session.exec(query)).all())

    async def attachment(self, attachment_id: str) -> Attachment | None:
        return await self.session.get(Attachment, attachment_id)
