"""The hash chains on their own (SQLite in a temporary file, opened as the services open it).

A list's many entries chain like single ones; fifty writers at once all append, in several chains, and
any changed, inserted or deleted entry is still found.
"""

import asyncio
import shutil

import pytest
from sqlalchemy import delete, insert, update
from sqlmodel import SQLModel, col, func, select
from sqlmodel.ext.asyncio.session import AsyncSession

from infohus_platform.audit.processing_log import (
    CHAINS,
    PROCESSING_LOG_TABLES,
    ProcessingLogEntry,
    ProcessingLogHead,
    Verification,
    ensure_head,
    entry_hash,
    record,
    verify,
)
from infohus_platform.db import Database

WRITERS = 50


async def started(tmp_path) -> Database:
    db = Database(f"sqlite+aiosqlite:///{tmp_path / 'log.db'}")
    await db.start()
    await db.run_sync(lambda c: SQLModel.metadata.create_all(c, tables=[t.__table__ for t in PROCESSING_LOG_TABLES]))
    return db


async def test_entries_for_a_list_chain_with_single_entries_and_tampering_is_found(tmp_path):
    db = await started(tmp_path)  # no ensure_head: the first writer starts its chain
    async with db.session() as session:
        first = await record(session, actor="u-1", action="case.read", purpose="prevention", subjects=["c-0"])
        listed = await record(session, subjects=["c-1", "c-2", "c-3"], actor="u-1", action="case.list",
                              purpose="prevention", data_classes=["process", "identity"])
        await record(session, actor="u-2", action="case.read", purpose="prevention", subjects=["c-2"])
        await session.commit()
        # one transaction, one chain
        assert {e.chain for e in [*first, *listed]} == {first[0].chain}
        assert [e.seq for e in listed] == [2, 3, 4] and listed[0].data_classes == ["identity", "process"]
        assert await verify(session) == Verification(True, 5)

        await session.exec(update(ProcessingLogEntry).where(col(ProcessingLogEntry.seq) == 3)
                           .values(subject_ref="c-99"))
        await session.commit()
        result = await verify(session)
        assert not result.ok and result.problem == f"chain {first[0].chain} entry 3: content changed"
    await db.dispose()


async def write_concurrently(db: Database) -> None:
    """``WRITERS`` requests at once, each in its own session: a read first (as a request reads what it
    logs), then its entries, then commit."""

    async def one_request(n: int) -> None:
        async with db.session() as session:
            await session.exec(select(func.count()).select_from(ProcessingLogEntry))
            await record(session, actor=f"u-{n}", action="registration.read", purpose="prevention",
                         subjects=[f"c-{n}", f"c-{n}-sibling"] if n % 5 == 0 else [f"c-{n}"],
                         actor_roles=["leadership"], data_classes=["identity"], decision_id=f"d-{n}")
            await session.commit()

    await asyncio.gather(*(one_request(n) for n in range(WRITERS)))


EXPECTED_ENTRIES = WRITERS + WRITERS // 5


@pytest.fixture(scope="module")
def written_once(tmp_path_factory):
    """The log fifty concurrent writers leave behind, written once; each test gets a copy of the file."""
    folder = tmp_path_factory.mktemp("written")

    async def write() -> None:
        db = await started(folder)
        async with db.session() as session:
            await ensure_head(session)
        await write_concurrently(db)
        await db.dispose()

    asyncio.run(write())
    return folder / "log.db"


@pytest.fixture
async def written(written_once, tmp_path):
    shutil.copy(written_once, tmp_path / "log.db")
    db = Database(f"sqlite+aiosqlite:///{tmp_path / 'log.db'}")
    await db.start()
    yield db
    await db.dispose()


async def test_fifty_concurrent_writers_all_append_in_several_chains_and_the_log_verifies(written):
    async with written.session() as session:
        assert await verify(session) == Verification(True, EXPECTED_ENTRIES)
        entries = (await session.exec(select(ProcessingLogEntry))).all()
        heads = (await session.exec(select(ProcessingLogHead))).all()
    assert {e.subject_ref for e in entries} >= {f"c-{n}" for n in range(WRITERS)}
    assert len({e.chain for e in entries}) > 1  # writers spread over chains
    assert sorted(h.id for h in heads) == list(range(1, CHAINS + 1))
    assert sum(h.seq for h in heads) == EXPECTED_ENTRIES


async def a_chain_with_entries(session: AsyncSession, at_least: int = 3) -> tuple[int, int]:
    """The chain with the most entries, and its number of entries."""
    chain, last = (await session.exec(
        select(ProcessingLogEntry.chain, func.max(ProcessingLogEntry.seq)).group_by(col(ProcessingLogEntry.chain))
        .order_by(func.max(ProcessingLogEntry.seq).desc()))).first()
    assert last >= at_least
    return chain, last


async def change(session, chain, last):
    await session.exec(update(ProcessingLogEntry).where(col(ProcessingLogEntry.chain) == chain,
                                                        col(ProcessingLogEntry.seq) == 2).values(actor="someone-else"))
    return f"chain {chain} entry 2: content changed"


async def delete_middle(session, chain, last):
    await session.exec(delete(ProcessingLogEntry).where(col(ProcessingLogEntry.chain) == chain,
                                                        col(ProcessingLogEntry.seq) == 2))
    return f"chain {chain} entry 2 deleted (found 3 next)"


async def delete_last(session, chain, last):
    await session.exec(delete(ProcessingLogEntry).where(col(ProcessingLogEntry.chain) == chain,
                                                        col(ProcessingLogEntry.seq) == last))
    return f"chain {chain}: entries after {last - 1} deleted (head says {last})"


async def insert_forged(session, chain, last):
    """A forged entry, hashed as the code hashes, slipped in as seq 2 with the real ones moved up one:
    the real entry after it still links to the entry before."""
    real = (await session.exec(select(ProcessingLogEntry).where(col(ProcessingLogEntry.chain) == chain)
                               .order_by(col(ProcessingLogEntry.seq)))).all()
    first, second = real[0].model_dump(), real[1].model_dump()
    for seq in range(last, 1, -1):
        await session.exec(update(ProcessingLogEntry).where(col(ProcessingLogEntry.chain) == chain,
                                                            col(ProcessingLogEntry.seq) == seq).values(seq=seq + 1))
    forged = ProcessingLogEntry(**(second | {"actor": "forger"}))
    forged.hash = entry_hash(first["hash"], forged)
    await session.exec(insert(ProcessingLogEntry).values(**forged.model_dump()))
    return f"chain {chain} entry 3: chain broken (inserted or replaced)"


async def append_forged(session, chain, last):
    """A forged entry, hashed as the code hashes, appended after the last one without moving the head."""
    final = (await session.exec(select(ProcessingLogEntry).where(col(ProcessingLogEntry.chain) == chain,
                                                                 col(ProcessingLogEntry.seq) == last))).one()
    forged = ProcessingLogEntry(**(final.model_dump() | {"seq": last + 1, "actor": "forger", "prev_hash": final.hash}))
    forged.hash = entry_hash(final.hash, forged)
    await session.exec(insert(ProcessingLogEntry).values(**forged.model_dump()))
    return f"chain {chain}: entries after {last} added past its head"


async def replace_last(session, chain, last):
    """The last entry replaced by a forged one, hashed as the code hashes: only the head knows."""
    final = (await session.exec(select(ProcessingLogEntry).where(col(ProcessingLogEntry.chain) == chain,
                                                                 col(ProcessingLogEntry.seq) == last))).one()
    forged = ProcessingLogEntry(**(final.model_dump() | {"actor": "forger"}))
    await session.exec(update(ProcessingLogEntry).where(col(ProcessingLogEntry.chain) == chain,
                                                        col(ProcessingLogEntry.seq) == last)
                       .values(actor="forger", hash=entry_hash(final.prev_hash, forged)))
    return f"chain {chain}: entry {last} replaced (its head holds another hash)"


async def move_to_another_chain(session, chain, last):
    """An entry moved to a chain of its own: its old chain has a gap, and it links to nothing in the new one."""
    await session.exec(update(ProcessingLogEntry).where(col(ProcessingLogEntry.chain) == chain,
                                                        col(ProcessingLogEntry.seq) == last).values(chain=CHAINS + 1))
    return f"chain {chain}: entries after {last - 1} deleted (head says {last})"


async def delete_the_head(session, chain, last):
    await session.exec(delete(ProcessingLogHead).where(col(ProcessingLogHead.id) == chain))
    return f"chain {chain}: head deleted ({last} entries without one)"


async def delete_the_whole_chain(session, chain, last):
    await session.exec(delete(ProcessingLogEntry).where(col(ProcessingLogEntry.chain) == chain))
    return f"chain {chain}: entries after 0 deleted (head says {last})"


@pytest.mark.parametrize("tamper", [change, delete_middle, delete_last, insert_forged, append_forged,
                                    replace_last, move_to_another_chain, delete_the_head,
                                    delete_the_whole_chain])
async def test_tampering_with_a_concurrently_written_log_is_found(written, tamper):
    async with written.session() as session:
        chain, last = await a_chain_with_entries(session)
        problem = await tamper(session, chain, last)
        await session.commit()
        result = await verify(session)
    assert not result.ok and result.problem == problem


async def test_a_second_start_leaves_the_heads_as_they_are(written):
    async with written.session() as session:
        before = sorted((h.id, h.seq, h.hash) for h in (await session.exec(select(ProcessingLogHead))).all())
        await ensure_head(session)
        after = sorted((h.id, h.seq, h.hash) for h in (await session.exec(select(ProcessingLogHead))).all())
        assert after == before and await verify(session) == Verification(True, EXPECTED_ENTRIES)
