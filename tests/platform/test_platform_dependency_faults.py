"""A dependency away: a database that cannot be reached is ``DatabaseUnavailable`` (503), not a 500, and
nothing else is; and aiokafka's log lines while a broker is away are bounded."""

import logging
import socket

import pytest
from sqlalchemy.exc import DBAPIError, IntegrityError

from infohus_platform.db import Database, unreachable
from infohus_platform.errors import DatabaseUnavailable, DependencyUnavailable, PolicyUnavailable
from infohus_platform.observability import RepeatLimit


class ServerShutdown(Exception):
    """What asyncpg raises when the server terminates the connection (``AdminShutdownError``)."""

    sqlstate = "57P01"


class UniqueViolation(Exception):
    sqlstate = "23505"


def wrapped(cause: Exception, *, invalidated: bool = False) -> DBAPIError:
    """As SQLAlchemy raises it: its own error, raised from the driver's."""
    try:
        raise DBAPIError("SELECT 1", None, cause, connection_invalidated=invalidated) from cause
    except DBAPIError as exc:
        return exc


def raised_from(cause: Exception) -> PolicyUnavailable:
    try:
        raise PolicyUnavailable("ConnectError") from cause
    except PolicyUnavailable as exc:
        return exc


def raised_here(exc: Exception) -> Exception:
    try:
        raise exc
    except Exception as raised:
        return raised


@pytest.mark.parametrize(("exc", "expected"), [
    (wrapped(ServerShutdown("terminating connection due to administrator command")), True),
    (wrapped(ValueError("connection is closed"), invalidated=True), True),
    (wrapped(UniqueViolation("duplicate key")), False),
    (IntegrityError("INSERT", None, UniqueViolation("duplicate key")), False),
    (ValueError("a bug"), False),
    # Other I/O in the session's block is not the database's: OPA away stays PolicyUnavailable, and a
    # refused SMTP connection an OSError.
    (raised_from(ConnectionRefusedError(111, "Connect call failed")), False),
    (raised_here(ConnectionRefusedError(111, "Connect call failed")), False),
])
def test_only_a_server_that_cannot_be_reached_counts_as_unreachable(exc: Exception, expected: bool) -> None:
    assert unreachable(exc) is expected


def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]  # nothing listens once the socket is closed


async def test_a_session_on_a_database_that_refuses_connections_raises_database_unavailable(monkeypatch) -> None:
    async def server_already_has_it(url: str) -> None:
        return None

    monkeypatch.setattr("infohus_platform.db._create_postgres_database", server_already_has_it)
    db = Database(f"postgresql+asyncpg://infohus:infohus@127.0.0.1:{closed_port()}/nowhere")
    await db.start()
    try:
        with pytest.raises(DatabaseUnavailable) as raised:
            async with db.session() as session:
                await session.connection()  # the first connection is made here
        assert isinstance(raised.value, DependencyUnavailable) and raised.value.status == 503
        assert raised.value.retry_after_seconds > 0
    finally:
        await db.dispose()


def record(name: str, msg: str) -> logging.LogRecord:
    return logging.LogRecord(name, logging.ERROR, __file__, 1, msg, (1,), None)


def test_a_flood_of_one_aiokafka_message_is_one_line_per_interval_and_says_how_many_were_held(monkeypatch) -> None:
    clock = [100.0]
    monkeypatch.setattr("infohus_platform.observability.time.monotonic", lambda: clock[0])
    limit = RepeatLimit("aiokafka", interval=30)
    flood = [record("aiokafka.conn", "Unable connect to node with id %s") for _ in range(20_000)]
    assert sum(limit.filter(r) for r in flood) == 1
    assert limit.filter(record("aiokafka.consumer.fetcher", "Failed fetch messages from %s"))  # another message
    assert all(limit.filter(record("infohus_intake.app", "same line %s")) for _ in range(3))  # not aiokafka's
    clock[0] += 31
    later = record("aiokafka.conn", "Unable connect to node with id %s")
    assert limit.filter(later)
    assert later.getMessage() == "Unable connect to node with id 1 [19999 more like this in the last 31s]"
