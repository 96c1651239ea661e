"""The service's own database: SQLite by default, PostgreSQL in production."""

from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import event, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from sqlalchemy.ext.asyncio import AsyncEngine, async_sessionmaker, create_async_engine
from sqlmodel.ext.asyncio.session import AsyncSession

from infohus_platform.errors import DatabaseUnavailable, InfohusError

# SQLSTATE classes of a server that is gone or going: 08 connection exception, 57P operator intervention
# (admin shutdown, crash shutdown, cannot connect now: the server is starting up or shutting down).
_UNREACHABLE_SQLSTATES = ("08", "57P")
_DRIVER_MODULES = ("sqlalchemy.", "asyncpg", "aiosqlite")  # a connection refused or reset raises OSError


class Database:
    def __init__(self, url: str) -> None:
        self.url = url
        self.is_sqlite = url.startswith("sqlite")
        self.is_postgres = url.startswith("postgresql")
        self._engine: AsyncEngine | None = None
        self._sessions: async_sessionmaker[AsyncSession] | None = None

    @property
    def engine(self) -> AsyncEngine:
        if self._engine is None:
            raise RuntimeError("database not started")
        return self._engine

    async def start(self) -> None:
        """Connect (creating a PostgreSQL database on first start)."""
        if self.is_postgres:
            await _create_postgres_database(self.url)
        if self.is_sqlite:
            path = make_url(self.url).database
            if path:
                Path(path).parent.mkdir(parents=True, exist_ok=True)
            self._engine = create_async_engine(self.url, connect_args={"timeout": 30})
            event.listen(self._engine.sync_engine, "connect", _sqlite_pragmas)
        else:
            self._engine = create_async_engine(self.url, pool_pre_ping=True, pool_size=10)
        self._sessions = async_sessionmaker(self._engine, class_=AsyncSession, expire_on_commit=False)

    async def run_sync(self, work: Callable[..., Any], *args: Any) -> Any:
        """Run synchronous work (a schema upgrade) on a connection, in one transaction."""
        async with self.engine.begin() as conn:
            return await conn.run_sync(work, *args)

    @asynccontextmanager
    async def session(self) -> AsyncIterator[AsyncSession]:
        """A session; a lost or refused connection inside it becomes ``DatabaseUnavailable`` (503)."""
        if self._sessions is None:
            raise RuntimeError("database not started")
        try:
            async with self._sessions() as session:
                yield session
        except Exception as exc:
            if unreachable(exc):
                raise DatabaseUnavailable(type(exc).__name__) from exc
            raise

    async def ping(self) -> bool:
        try:
            async with self.engine.connect() as conn:
                await conn.execute(text("SELECT 1"))
            return True
        except Exception:
            return False

    async def dispose(self) -> None:
        if self._engine is not None:
            await self._engine.dispose()


def unreachable(exc: BaseException) -> bool:
    """Whether an error (or one it was raised from) says the database server cannot be reached, rather
    than that the statement was wrong: a connection the driver could not make or lost, a server shutting
    down or starting up, a connection the pool found dead, no connection free in the pool. An error of the
    family (``PolicyUnavailable``...) and an OSError of other I/O in the session's block (OPA, SMTP) are
    not the database's."""
    if isinstance(exc, InfohusError):
        return False
    seen: BaseException | None = exc
    while seen is not None:
        if isinstance(seen, PoolTimeout):
            return True
        if isinstance(seen, DBAPIError) and seen.connection_invalidated:
            return True
        sqlstate = getattr(seen, "sqlstate", None)
        if isinstance(sqlstate, str) and sqlstate.startswith(_UNREACHABLE_SQLSTATES):
            return True
        if isinstance(seen, OSError) and _raised_in(seen, _DRIVER_MODULES):
            return True
        seen = seen.__cause__
    return False


def _raised_in(exc: BaseException, modules: tuple[str, ...]) -> bool:
    """Whether the error passed through code of these modules on its way up."""
    tb = exc.__traceback__
    while tb is not None:
        if str(tb.tb_frame.f_globals.get("__name__", "")).startswith(modules):
            return True
        tb = tb.tb_next
    return False


def _sqlite_pragmas(dbapi_connection, _record) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.close()


async def _create_postgres_database(url: str) -> None:
    """Create the service's database on first start; the server and role must exist."""
    target = make_url(url)
    admin = create_async_engine(target.set(database="postgres"), isolation_level="AUTOCOMMIT")
    try:
        async with admin.connect() as conn:
            exists = await conn.scalar(
                text("SELECT 1 FROM pg_database WHERE datname = :name"), {"name": target.database}
            )
            if not exists:
                await conn.execute(text(f'CREATE DATABASE "{target.database}"'))
    finally:
        await admin.dispose()
