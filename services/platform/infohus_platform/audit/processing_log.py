"""The processing log (behandlingslog): every read and write of personal data, hash-chained.

Append-only, in ``CHAINS`` independent chains so that concurrent writers never wait for one hot row:
each chain has its own head row (``processing_log_head.id`` is the chain's number) remembering the
chain's last sequence number and hash, and each entry carries ``(chain, seq, prev_hash, hash)``.
A transaction appends all its entries to one chain:

* PostgreSQL: the lowest-numbered chain whose head no other transaction holds
  (``FOR UPDATE SKIP LOCKED``), so parallel requests write to different chains side by side and only
  wait when every chain is busy (then on one chain's head, until its holder commits);
* SQLite: one writer at a time anyway; the append first takes the database's write lock (a no-op
  ``UPDATE`` of the head, waiting out the busy timeout) and only then reads the head, so two
  transactions can never build on the same head. The chain is picked at random.

``verify`` checks every chain from its genesis to its head, so a changed, inserted or deleted entry is
found, the last entries of a chain included. Entries written before chains existed are chain 1.

    python -m infohus_tools.verify_log     # every service's log, via its settings
"""

import hashlib
import json
import random
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from itertools import groupby
from typing import ClassVar

from sqlalchemy import Column, insert, update
from sqlalchemy.exc import IntegrityError
from sqlmodel import JSON, Field, SQLModel, col, select
from sqlmodel.ext.asyncio.session import AsyncSession

GENESIS = "0" * 64
CHAINS = 16
_CHAIN_OF_TRANSACTION = "infohus.processing_log.chain"


class ProcessingLogEntry(SQLModel, table=True):
    __tablename__ = "processing_log"
    __data_classes__: ClassVar[dict[str, str]] = {
        "chain": "process",
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

    chain: int = Field(default=1, primary_key=True)
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

    id: int = Field(default=1, primary_key=True)  # the chain's number, 1 to CHAINS
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
    caller's transaction, appended to the one chain this transaction holds (see the module's docstring)."""
    chain, seq, prev_hash = await _hold_chain(session)
    at, entries = datetime.now(UTC), []
    for subject_ref in subjects:
        seq += 1
        entry = ProcessingLogEntry(
            chain=chain, seq=seq, at=at, actor=actor, actor_roles=actor_roles or [], action=action,
            subject_ref=subject_ref, data_classes=sorted(data_classes or []), purpose=purpose,
            decision_id=decision_id, outcome=outcome, prev_hash=prev_hash, hash="",
        )
        entry.hash = prev_hash = entry_hash(prev_hash, entry)
        entries.append(entry)
    if entries:
        await session.exec(update(ProcessingLogHead).where(col(ProcessingLogHead.id) == chain)
                           .values(seq=seq, hash=prev_hash).execution_options(synchronize_session=False))
    session.add_all(entries)
    return entries


async def _hold_chain(session: AsyncSession) -> tuple[int, int, str]:
    """Lock one chain's head until the caller's transaction ends: its number, last seq and last hash.

    A transaction keeps the chain it took first, so it never holds (nor waits for) two heads at once."""
    postgres = _is_postgres(session)
    head = select(ProcessingLogHead.id, ProcessingLogHead.seq, ProcessingLogHead.hash)
    chain = _chain_held(session)
    if chain is None and postgres:
        free = (await session.exec(head.order_by(col(ProcessingLogHead.id)).limit(1)
                                   .with_for_update(skip_locked=True))).first()
        if free is not None:
            return _hold(session, *free)
    if chain is None:
        chain = random.randint(1, CHAINS)  # PostgreSQL: every chain is busy, queue behind one at random
    if not postgres:
        # SQLite lets one writer in at a time: take the write lock first (waiting out the busy timeout), so the
        # head read next is the newest and stays so until this transaction ends.
        await session.exec(update(ProcessingLogHead).where(col(ProcessingLogHead.id) == chain)
                           .values(seq=ProcessingLogHead.seq).execution_options(synchronize_session=False))
    query = head.where(col(ProcessingLogHead.id) == chain)
    row = (await session.exec(query.with_for_update() if postgres else query)).first()
    if row is None:  # a database that never ran ensure_head (a bare test database): the chain starts here
        await session.exec(insert(ProcessingLogHead).values(id=chain, seq=0, hash=GENESIS))
        return _hold(session, chain, 0, GENESIS)
    return _hold(session, *row)


def _chain_held(session: AsyncSession) -> int | None:
    held = session.info.get(_CHAIN_OF_TRANSACTION)
    transaction = session.sync_session.get_transaction()
    return held[1] if held is not None and transaction is not None and held[0] is transaction else None


def _hold(session: AsyncSession, chain: int, seq: int, last_hash: str) -> tuple[int, int, str]:
    session.info[_CHAIN_OF_TRANSACTION] = (session.sync_session.get_transaction(), chain)
    return chain, seq, last_hash


def _is_postgres(session: AsyncSession) -> bool:
    bind = session.bind
    return bind is not None and bind.dialect.name == "postgresql"


async def ensure_head(session: AsyncSession) -> None:
    """Create every chain's head row once at startup, so concurrent first writers never race to insert one."""
    present = set((await session.exec(select(ProcessingLogHead.id))).all())
    missing = [ProcessingLogHead(id=chain) for chain in range(1, CHAINS + 1) if chain not in present]
    if missing:
        session.add_all(missing)
        try:
            await session.commit()
        except IntegrityError:
            await session.rollback()  # another instance created them first


@dataclass(frozen=True)
class Verification:
    ok: bool
    entries: int
    problem: str | None = None


async def verify(session: AsyncSession) -> Verification:
    """Walk every chain from genesis to its head; the first broken entry, chain by chain, is the problem."""
    entries = (await session.exec(select(ProcessingLogEntry)
                                  .order_by(col(ProcessingLogEntry.chain), col(ProcessingLogEntry.seq)))).all()
    heads = {head.id: head for head in (await session.exec(select(ProcessingLogHead))).all()}
    by_chain = {chain: list(run) for chain, run in groupby(entries, key=lambda entry: entry.chain)}
    for chain in sorted(heads.keys() | by_chain.keys()):
        problem = _verify_chain(chain, by_chain.get(chain, []), heads.get(chain))
        if problem is not None:
            return Verification(False, len(entries), problem)
    return Verification(True, len(entries))


def _verify_chain(chain: int, entries: list[ProcessingLogEntry], head: ProcessingLogHead | None) -> str | None:
    if head is None:
        return f"chain {chain}: head deleted ({len(entries)} entries without one)"
    prev, expected_seq = GENESIS, 1
    for entry in entries:
        if entry.seq != expected_seq:
            kind = "deleted" if entry.seq > expected_seq else "inserted"
            return f"chain {chain} entry {expected_seq} {kind} (found {entry.seq} next)"
        if entry.prev_hash != prev:
            return f"chain {chain} entry {entry.seq}: chain broken (inserted or replaced)"
        if entry_hash(prev, entry) != entry.hash:
            return f"chain {chain} entry {entry.seq}: content changed"
        prev, expected_seq = entry.hash, expected_seq + 1
    last = expected_seq - 1
    if head.seq > last:
        return f"chain {chain}: entries after {last} deleted (head says {head.seq})"
    if head.seq < last:
        return f"chain {chain}: entries after {head.seq} added past its head"
    if head.hash != prev:
        return f"chain {chain}: entry {last} replaced (its head holds another hash)"
    return None
