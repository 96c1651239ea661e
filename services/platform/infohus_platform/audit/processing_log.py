"""The processing log (behandlingslog): every read and write of personal data, hash-chained.

Append-only: each entry carries the hash of the one before it, and the head row remembers the
last sequence number and hash, so a changed, inserted or deleted entry is found by ``verify``.

    python -m infohus_tools.verify_log     # every service's log, via its settings
"""

import hashlib
import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import ClassVar

from sqlalchemy import Column
from sqlalchemy.exc import IntegrityError
from sqlmodel import JSON, Field, SQLModel, col, select
from sqlmodel.ext.asyncio.session import AsyncSession

GENESIS = "0" * 64


class ProcessingLogEntry(SQLModel, table=True):
    __tablename__ = "processing_log"
    __data_classes__: ClassVar[dict[str, str]] = {
        "seq": "process",
        "at": "process",
        "actor": "process",
        "actor_roles": "process",
        "action": "process",
        "subject_ref": "process",
        "data_classes": "process",
        "purpose": "process",
        "decision_id": "process",
        "outcome": "process",
        "prev_hash": "process",
        "hash": "process",
    }

    seq: int = Field(primary_key=True)
    at: datetime
    actor: str = Field(max_length=200)
    actor_roles: list = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    action: str = Field(max_length=100)
    subject_ref: str | None = Field(default=None, max_length=100, index=True)
    data_classes: list = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    purpose: str = Field(max_length=50)
    decision_id: str | None = Field(default=None, max_length=64)
    outcome: str = Field(max_length=16)
    prev_hash: str = Field(max_length=64)
    hash: str = Field(max_length=64)


class ProcessingLogHead(SQLModel, table=True):
    __tablename__ = "processing_log_head"
    __data_classes__: ClassVar[dict[str, str]] = {
        "id": "process",
        "seq": "process",
        "hash": "process",
    }

    id: int = Field(default=1, primary_key=True)
    seq: int = 0
    hash: str = GENESIS


PROCESSING_LOG_TABLES = (ProcessingLogEntry, ProcessingLogHead)


def entry_hash(prev_hash: str, entry: ProcessingLogEntry) -> str:
    content = {
        "seq": entry.seq, "at": _utc(entry.at).strftime("%Y-%m-%dT%H:%M:%S.%f"),
        "actor": entry.actor, "actor_roles": entry.actor_roles, "action": entry.action,
        "subject_ref": entry.subject_ref, "data_classes": sorted(entry.data_classes), "purpose": entry.purpose,
        "decision_id": entry.decision_id, "outcome": entry.outcome,
    }
    canonical = json.dumps(content, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256((prev_hash + canonical).encode()).hexdigest()


def _utc(moment: datetime) -> datetime:
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


async def record(
    session: AsyncSession,
    *,
    actor: str,
    action: str,
    purpose: str,
    subjects: Sequence[str | None] = (None,),
    outcome: str = "allowed",
    actor_roles: list[str] | None = None,
    data_classes: list[str] | None = None,
    decision_id: str | None = None,
) -> list[ProcessingLogEntry]:
    """The one way to write the log: an entry per subject (a list view reads many people), in the
    caller's transaction, chained under one lock of the head row."""
    query = select(ProcessingLogHead).where(col(ProcessingLogHead.id) == 1)
    if _is_postgres(session):
        query = query.with_for_update()
    head = (await session.exec(query)).first()
    if head is None:
        head = ProcessingLogHead()
        session.add(head)
    at, entries = datetime.now(UTC), []
    for subject_ref in subjects:
        entry = ProcessingLogEntry(
            seq=head.seq + 1, at=at, actor=actor, actor_roles=actor_roles or [], action=action,
            subject_ref=subject_ref, data_classes=sorted(data_classes or []), purpose=purpose,
            decision_id=decision_id, outcome=outcome, prev_hash=head.hash, hash="",
        )
        entry.hash = entry_hash(head.hash, entry)
        head.seq, head.hash = entry.seq, entry.hash
        entries.append(entry)
    session.add_all(entries)
    return entries


def _is_postgres(session: AsyncSession) -> bool:
    bind = session.bind
    return bind is not None and bind.dialect.name == "postgresql"


async def ensure_head(session: AsyncSession) -> None:
    """Create the chain's head row once at startup, so concurrent first writers never race to insert it."""
    if (await session.exec(select(ProcessingLogHead))).first() is None:
        session.add(ProcessingLogHead())
        try:
            await session.commit()
        except IntegrityError:
            await session.rollback()  # another instance created it first


@dataclass(frozen=True)
class Verification:
    ok: bool
    entries: int
    problem: str | None = None


async def verify(session: AsyncSession) -> Verification:
    entries = (await session.exec(select(ProcessingLogEntry).order_by(col(ProcessingLogEntry.seq)))).all()
    head = (await session.exec(select(ProcessingLogHead))).first() or ProcessingLogHead()
    prev, expected_seq = GENESIS, 1
    for entry in entries:
        if entry.seq != expected_seq:
            kind = "deleted" if entry.seq > expected_seq else "inserted"
            return Verification(False, len(entries), f"entry {expected_seq} {kind} (found {entry.seq} next)")
        if entry.prev_hash != prev:
            return Verification(False, len(entries), f"entry {entry.seq}: chain broken (inserted or replaced)")
        if entry_hash(prev, entry) != entry.hash:
            return Verification(False, len(entries), f"entry {entry.seq}: content changed")
        prev, expected_seq = entry.hash, expected_seq + 1
    if head.seq != expected_seq - 1 or head.hash != prev:
        return Verification(False, len(entries), f"entries after {expected_seq - 1} deleted (head says {head.seq})")
    return Verification(True, len(entries))
