"""Assessment's tables and repository."""

from datetime import datetime

from sqlalchemy import Column, Text
from sqlmodel import Field, SQLModel, select
from sqlmodel.ext.asyncio.session import AsyncSession


class Case(SQLModel, table=True):
    """A case (sag) in the municipal infohus, opened for one concern."""

    __tablename__ = "case_file"

    case_id: str = Field(primary_key=True, max_length=36)
    concern_id: str = Field(unique=True, max_length=36)
    municipality_code: str = Field(max_length=3, index=True)
    opened_at: datetime
    stage: str = Field(max_length=32, index=True)
    lead: str = Field(max_length=32)
    concern: str = Field(sa_column=Column(Text, nullable=False))


TABLES = (Case,)


class CaseRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    def add(self, case: Case) -> None:
        self.session.add(case)

    async def by_concern(self, concern_id: str) -> Case | None:
        return (await self.session.exec(select(Case).where(Case.concern_id == concern_id))).first()
