"""The hash chain on its own (SQLite in a temporary file): a list's many entries chain like single ones."""

from sqlalchemy.ext.asyncio import create_async_engine
from sqlmodel import SQLModel, select
from sqlmodel.ext.asyncio.session import AsyncSession

from infohus_platform.audit.processing_log import (
    PROCESSING_LOG_TABLES,
    ProcessingLogEntry,
    Verification,
    record,
    verify,
)


async def test_entries_for_a_list_chain_with_single_entries_and_tampering_is_found(tmp_path):
    engine = create_async_engine(f"sqlite+aiosqlite:///{tmp_path / 'log.db'}")
    async with engine.begin() as connection:
        await connection.run_sync(SQLModel.metadata.create_all, tables=[t.__table__ for t in PROCESSING_LOG_TABLES])
    async with AsyncSession(engine, expire_on_commit=False) as session:
        await record(session, actor="u-1", action="case.read", purpose="prevention", subjects=["c-0"])
        listed = await record(session, subjects=["c-1", "c-2", "c-3"], actor="u-1", action="case.list",
                              purpose="prevention", data_classes=["process", "identity"])
        await record(session, actor="u-2", action="case.read", purpose="prevention", subjects=["c-2"])
        await session.commit()
        assert [e.seq for e in listed] == [2, 3, 4] and listed[0].data_classes == ["identity", "process"]
        assert await verify(session) == Verification(True, 5)

        entry = (await session.exec(select(ProcessingLogEntry).where(ProcessingLogEntry.seq == 3))).one()
        entry.subject_ref = "c-99"
        session.add(entry)
        await session.commit()
        result = await verify(session)
        assert not result.ok and result.problem == "entry 3: content changed"
    await engine.dispose()
