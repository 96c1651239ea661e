"""Intake's tables and repository."""

from datetime import UTC, datetime
from typing import ClassVar
from uuid import UUID

from sqlalchemy import Column, Text, delete
from sqlmodel import Field, SQLModel, col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from infohus_contracts.case.events import ConcernReceived
from infohus_platform.audit.subject_access import row_record


class ConcernRecord(SQLModel, table=True):
    """A received concern (bekymringshenvendelse) as intake accepted it."""

    __tablename__ = "concern"
    __data_classes__: ClassVar[dict[str, str]] = {
        "concern_id": "process",
        "municipality_code": "process",
        "received_at": "process",
        "content": "identity",
        "person_key": "identity",
        "controller": "process",
        "regime": "process",
    }

    concern_id: str = Field(primary_key=True, max_length=36)
    municipality_code: str = Field(max_length=3, index=True)
    received_at: datetime
    content: str = Field(sa_column=Column(Text, nullable=False))
    person_key: str | None = Field(default=None, max_length=64, index=True)
    controller: str = Field(max_length=100)  # dataansvarlig, e.g. kommune-820
    regime: str = Field(max_length=8)  # gdpr (with databeskyttelsesloven) or rhl (retshåndhævelsesloven)


class IdempotencyKey(SQLModel, table=True):
    __tablename__ = "idempotency_key"
    __data_classes__: ClassVar[dict[str, str]] = {
        "key": "process",
        "fingerprint": "process",
        "concern_id": "process",
        "created_at": "process",
    }

    key: str = Field(primary_key=True, max_length=200)
    fingerprint: str = Field(max_length=64)
    concern_id: str = Field(max_length=36)
    created_at: datetime = Field(default_factory=lambda: datetime.now(UTC))


class ForwardingRecord(SQLModel, table=True):
    """That a concern for another municipality of the district was forwarded to that municipality's infohus.

    Only the record of the forwarding stays here: no person, no content (the outbox row's body, the concern as
    it was sent, is dropped by the relay once the message is on its way)."""

    __tablename__ = "concern_forwarding"
    __data_classes__: ClassVar[dict[str, str]] = {
        "forwarding_id": "process",
        "concern_id": "process",
        "to_org": "process",
        "forwarded_at": "process",
        "outbox_event_id": "process",
    }

    forwarding_id: str = Field(primary_key=True, max_length=36)
    concern_id: str = Field(max_length=36, index=True)
    to_org: str = Field(max_length=100, index=True)
    forwarded_at: datetime = Field(default_factory=lambda: datetime.now(UTC), index=True)
    outbox_event_id: str = Field(max_length=64)


TABLES = (ConcernRecord, IdempotencyKey, ForwardingRecord)


class ConcernRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    def add(self, concern: ConcernReceived, idempotency_key: str | None, fingerprint: str,
            controlled: dict[str, str], person_key: str | None) -> None:
        self.session.add(
            ConcernRecord(
                **controlled,
                person_key=person_key,
                concern_id=str(concern.concern_id),
                municipality_code=concern.municipality_code,
                received_at=concern.received_at,
                content=concern.model_dump_json(),
            )
        )
        if idempotency_key:
            self.add_idempotency_key(idempotency_key, fingerprint, concern.concern_id)

    async def by_idempotency_key(self, key: str) -> IdempotencyKey | None:
        return await self.session.get(IdempotencyKey, key)

    async def get(self, concern_id: UUID) -> ConcernReceived | None:
        record = await self.session.get(ConcernRecord, str(concern_id))
        return ConcernReceived.model_validate_json(record.content) if record else None

    def add_idempotency_key(self, idempotency_key: str, fingerprint: str, concern_id: UUID) -> None:
        self.session.add(IdempotencyKey(key=idempotency_key, fingerprint=fingerprint, concern_id=str(concern_id)))

    def add_forwarding(self, record: ForwardingRecord) -> None:
        self.session.add(record)

    async def forwarding_of(self, concern_id: UUID) -> ForwardingRecord | None:
        query = select(ForwardingRecord).where(ForwardingRecord.concern_id == str(concern_id))
        return (await self.session.exec(query)).first()

    async def forwardings(self, limit: int) -> list[ForwardingRecord]:
        query = select(ForwardingRecord).order_by(col(ForwardingRecord.forwarded_at).desc()).limit(limit)
        return list((await self.session.exec(query)).all())


def erasure_deletes(concern_id: str) -> list:
    """What intake deletes when a concern's retention ends."""
    return [delete(ConcernRecord).where(col(ConcernRecord.concern_id) == concern_id),
            delete(IdempotencyKey).where(col(IdempotencyKey.concern_id) == concern_id)]


async def find_by_cpr(session: AsyncSession, runtime, cpr: str) -> list[str]:
    key = runtime.settings.person_key(cpr)
    rows = (await session.exec(select(ConcernRecord.concern_id).where(ConcernRecord.person_key == key))).all()
    return list(rows)


async def subject_records(session: AsyncSession, concern_ids: list[str]) -> list[dict]:
    rows = (await session.exec(select(ConcernRecord).where(col(ConcernRecord.concern_id).in_(concern_ids)))).all()
    return [row_record(row, expand={"content": ConcernReceived}, exclude=("person_key",)) for row in rows]
