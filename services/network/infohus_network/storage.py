"""Network's tables: counts per municipality and period, nothing else."""

from datetime import datetime

from sqlmodel import Field, SQLModel, select
from sqlmodel.ext.asyncio.session import AsyncSession

from infohus_contracts.aggregates import AggregateReport


class AggregateCount(SQLModel, table=True):
    """The latest count a municipality published for a period and metric."""

    __tablename__ = "aggregate_count"

    municipality_code: str = Field(primary_key=True, max_length=3)
    period: str = Field(primary_key=True, max_length=7)
    metric: str = Field(primary_key=True, max_length=64)
    count: int | None = None
    suppressed: bool
    k: int
    computed_at: datetime


TABLES = (AggregateCount,)


class AggregateRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def upsert(self, report: AggregateReport) -> None:
        key = (report.municipality_code, report.period, report.metric.value)
        row = await self.session.get(AggregateCount, key)
        if row is not None and row.computed_at.replace(tzinfo=None) >= report.computed_at.replace(tzinfo=None):
            return  # an older snapshot arriving late changes nothing
        row = row or AggregateCount(
            municipality_code=key[0], period=key[1], metric=key[2], suppressed=True, k=report.k,
            computed_at=report.computed_at,
        )
        row.count = report.count
        row.suppressed = report.suppressed
        row.k = report.k
        row.computed_at = report.computed_at
        self.session.add(row)

    async def all(self) -> list[AggregateCount]:
        query = select(AggregateCount).order_by(AggregateCount.period, AggregateCount.municipality_code)
        return list((await self.session.exec(query)).all())
