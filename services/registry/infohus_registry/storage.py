"""Registry's tables and repository."""

from datetime import date, datetime
from typing import ClassVar

from sqlalchemy import JSON, Column, Text
from sqlmodel import Field, SQLModel, col, func, select
from sqlmodel.ext.asyncio.session import AsyncSession

from infohus_platform.audit.subject_access import row_record


class Registration(SQLModel, table=True):
    """The basic registration (grundregistrering) of one concern: the sources' fields, kept current."""

    __tablename__ = "registration"
    __data_classes__: ClassVar[dict[str, str]] = {
        "concern_id": "process",
        "case_id": "process",
        "municipality_code": "process",
        "received_at": "process",
        "period": "process",
        "channel": "process",
        "source_category": "process",
        "age_band": "identity",
        "area": "social",
        "nationality": "social",
        "family_network": "narrative",
        "school_work": "narrative",
        "sender": "reporter",
        "description": "narrative",
        "concern_signs": "special_category",
        "assessment": "narrative",
        "assessed_by": "process",
        "decision": "process",
        "lead": "process",
        "concern_level": "special_category",
        "outcome": "process",
        "effort_level": "process",
        "closed_at": "process",
        "last_follow_up_on": "process",
        "delete_on": "process",
        "retention_rule": "process",
        "legal_hold": "process",
        "erased_at": "process",
        "updated_at": "process",
        "controller": "process",
        "regime": "process",
    }

    concern_id: str = Field(primary_key=True, max_length=36)
    case_id: str = Field(max_length=36)
    municipality_code: str = Field(max_length=3, index=True)
    received_at: datetime
    period: str = Field(max_length=7, index=True)
    channel: str = Field(max_length=32)
    source_category: str = Field(max_length=64)
    age_band: str = Field(max_length=16)
    area: str | None = Field(default=None, max_length=200)
    nationality: str | None = Field(default=None, max_length=100)
    family_network: str | None = Field(default=None, sa_column=Column(Text))
    school_work: str | None = Field(default=None, sa_column=Column(Text))
    sender: str | None = Field(default=None, max_length=200)
    description: str = Field(sa_column=Column(Text, nullable=False))
    concern_signs: list = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    assessment: str | None = Field(default=None, sa_column=Column(Text))
    assessed_by: str | None = Field(default=None, max_length=200)
    decision: str | None = Field(default=None, sa_column=Column(Text))
    lead: str = Field(max_length=32)
    concern_level: str | None = Field(default=None, max_length=16)
    outcome: str | None = Field(default=None, max_length=32)
    effort_level: str | None = Field(default=None, max_length=16)
    closed_at: datetime | None = None
    last_follow_up_on: date | None = None
    delete_on: date | None = None
    retention_rule: str | None = Field(default=None, max_length=20)
    legal_hold: bool = False
    erased_at: datetime | None = None
    updated_at: datetime
    controller: str = Field(max_length=100)  # dataansvarlig, e.g. kommune-820
    regime: str = Field(max_length=8)  # gdpr (with databeskyttelsesloven) or rhl (retshåndhævelsesloven)


class AggregateDue(SQLModel, table=True):
    """A municipality's month whose registrations changed since its aggregates were last staged for the
    network; ``service.statistics.publish_due_aggregates`` stages them and removes the mark."""

    __tablename__ = "aggregate_due"
    __data_classes__: ClassVar[dict[str, str]] = {
        "municipality_code": "process",
        "period": "process",
        "marked_at": "process",
    }

    municipality_code: str = Field(primary_key=True, max_length=3)
    period: str = Field(primary_key=True, max_length=7)
    marked_at: datetime


TABLES = (Registration, AggregateDue)


class RegistrationRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def get(self, concern_id: str) -> Registration | None:
        return await self.session.get(Registration, concern_id)

    def add(self, registration: Registration) -> None:
        self.session.add(registration)

    async def count(self, municipality_code: str, period: str) -> int:
        query = (
            select(func.count())
            .select_from(Registration)
            .where(Registration.municipality_code == municipality_code, Registration.period == period)
        )
        return int((await self.session.exec(query)).one())

    async def in_periods(self, municipality_code: str | None, period_from: str | None,
                         period_to: str | None) -> list[Registration]:
        query = select(Registration).where(Registration.municipality_code == municipality_code)
        if period_from:
            query = query.where(Registration.period >= period_from)
        if period_to:
            query = query.where(Registration.period <= period_to)
        return list((await self.session.exec(query)).all())

    async def listing(self, municipality_code: str | None, period: str | None, open_only: bool,
                      limit: int) -> list[Registration]:
        """Newest first; anonymised (erased) registrations are statistics now, not entries to open."""
        query = select(Registration).where(Registration.municipality_code == municipality_code,
                                           col(Registration.erased_at).is_(None))
        if period:
            query = query.where(Registration.period == period)
        if open_only:
            query = query.where(col(Registration.closed_at).is_(None))
        query = query.order_by(col(Registration.received_at).desc()).limit(limit)
        return list((await self.session.exec(query)).all())

    async def closed_not_erased(self) -> list[Registration]:
        query = select(Registration).where(col(Registration.closed_at).is_not(None),
                                           col(Registration.erased_at).is_(None))
        return list((await self.session.exec(query)).all())


async def subject_records(session: AsyncSession, concern_ids: list[str]) -> list[dict]:
    rows = (await session.exec(select(Registration).where(col(Registration.concern_id).in_(concern_ids)))).all()
    return [row_record(row) for row in rows]
