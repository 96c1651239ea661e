"""The test doubles every service's unit tests share: a fake policy, a relay spy, a service's ``Runtime``
over a per-test SQLite database, and helpers that read what a use case stored, staged and logged.

A service's own builders (a received concern, a case event) stay in its fakes module beside its tests.
"""

import asyncio
from collections.abc import AsyncIterator, Callable, Collection, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, ClassVar, TypeVar

from sqlmodel import SQLModel, select
from sqlmodel.ext.asyncio.session import AsyncSession

from infohus_contracts.base.topics import Topic
from infohus_contracts.case.topics import ALL_TOPICS
from infohus_platform import migrations
from infohus_platform.audit.processing_log import ProcessingLogEntry
from infohus_platform.auth import Guard, Principal
from infohus_platform.db import Database
from infohus_platform.messaging.kafka import DeadLetters, make_broker
from infohus_platform.messaging.outbox import OutboxMessage
from infohus_platform.observability import Metrics
from infohus_platform.policy import AccessDecision, RetentionSchedule, ShareDecision, SharePreview
from infohus_platform.runtime import Runtime
from infohus_platform.settings import ServiceSettings

S = TypeVar("S", bound=ServiceSettings)


def every_field_shared(input_data: dict[str, Any]) -> SharePreview:
    """A share preview in which every field asked about is shared."""
    return SharePreview({"fields": [{"name": f["name"], "shared": True} for f in input_data["fields"]]}, "preview-1")


@dataclass
class FakePolicy:
    """The async methods of ``PolicyClient``, answered as the test says (yes, unless told otherwise).

    Every question is kept in ``asked`` as ``(kind, input)``, the kinds being ``access``, ``share``,
    ``preview``, ``retention``, ``data``, ``k_threshold`` and ``healthy``. With ``only``, a question of
    another kind fails the test.
    """

    allow_access: bool = True
    access_id: str = "access-1"
    allow_share: bool = True
    shared: ShareDecision = field(default_factory=lambda: ShareDecision(
        True, legal_basis=["rpl_115"], decision_id="share-1", policy_version="test"))
    refused: ShareDecision = field(default_factory=lambda: ShareDecision(
        False, reasons=["no legal basis for that share"], decision_id="share-denied"))
    preview: SharePreview | Callable[[dict[str, Any]], SharePreview] = every_field_shared
    # The retention schedule's answer: the deletion date and rule, for every registration asked about.
    delete_on: str | None = None
    rule: str = "P1"
    action: str = "anonymise"
    config: dict[str, Any] = field(default_factory=dict)  # the policy data, ``data.infohus.config``
    k: int = 5
    up: bool = True
    only: Collection[str] | None = None
    asked: list[tuple[str, Any]] = field(default_factory=list)

    def _ask(self, kind: str, input_data: Any) -> None:
        if self.only is not None and kind not in self.only:
            raise AssertionError(f"the policy was asked an unexpected question: {kind}")
        self.asked.append((kind, input_data))

    def questions(self, kind: str) -> list[Any]:
        """The inputs of the questions of one kind, in the order they were asked."""
        return [input_data for asked, input_data in self.asked if asked == kind]

    async def healthy(self) -> bool:
        self._ask("healthy", {})
        return self.up

    async def access(self, input_data: dict[str, Any]) -> AccessDecision:
        self._ask("access", input_data)
        return AccessDecision(self.allow_access, [] if self.allow_access else ["denied"], log_access=True,
                              purpose="prevention", decision_id=self.access_id)

    async def share(self, input_data: dict[str, Any]) -> ShareDecision:
        self._ask("share", input_data)
        return self.shared if self.allow_share else self.refused

    async def exchange_accept(self, input_data: dict[str, Any]) -> ShareDecision:
        self._ask("exchange_accept", input_data)
        return self.shared if self.allow_share else self.refused

    async def share_preview(self, input_data: dict[str, Any]) -> SharePreview:
        self._ask("preview", input_data)
        return self.preview if isinstance(self.preview, SharePreview) else self.preview(input_data)

    async def retention_schedule(self, input_data: dict[str, Any]) -> RetentionSchedule:
        self._ask("retention", input_data)
        return RetentionSchedule(self.delete_on, self.rule, self.action, None)

    async def data(self, key: str) -> Any:
        self._ask("data", {"key": key})
        return self.config.get(key)

    async def k_threshold(self, default: int) -> int:
        self._ask("k_threshold", {"default": default})
        return self.k


class ConsumerSettings(ServiceSettings):
    service_name: ClassVar[str] = "notify"  # a declared consumer of ERASURE
    default_port: ClassVar[int] = 0


class CountingDatabase(Database):
    """The service's database, counting the sessions opened on it."""

    def __init__(self, url: str) -> None:
        super().__init__(url)
        self.sessions_opened = 0

    @asynccontextmanager
    async def session(self) -> AsyncIterator[AsyncSession]:
        self.sessions_opened += 1
        async with super().session() as session:
            yield session


class RelaySpy:
    """The outbox relay, counting how often it was woken."""

    def __init__(self) -> None:
        self.wakes = 0

    def wake(self) -> None:
        self.wakes += 1


async def service_runtime(settings: ServiceSettings, tables: Sequence[type[SQLModel]], *,
                          policy: FakePolicy | None = None, metrics: Metrics | None = None,
                          topics: tuple[Topic, ...] = ALL_TOPICS, migrate: str | None = None,
                          database: Callable[[str], Database] = Database) -> AsyncIterator[Runtime]:
    """A service's runtime over ``<service>.db`` in its data directory, holding its ``tables`` and the platform's.

    The broker is real but not started (FastStream's ``TestKafkaBroker`` can drive it); the policy is a
    ``FakePolicy`` and the relay a ``RelaySpy``. ``migrate`` names the package whose migrations build the
    schema, as the service builds it; without it the tables are created from the models.
    """
    metrics = metrics or Metrics()
    db = database(f"sqlite+aiosqlite:///{settings.infohus_data_dir / f'{settings.service_name}.db'}")
    await db.start()
    every_table: list[Any] = list(dict.fromkeys([*tables, *migrations.platform_tables()]))
    if migrate:
        await db.run_sync(migrations.upgrade, migrate, every_table)
    else:
        await db.run_sync(lambda conn: SQLModel.metadata.create_all(conn, tables=[t.__table__ for t in every_table]))
    dead_letters = DeadLetters(settings, metrics, topics)
    broker = make_broker(settings, metrics, dead_letters)
    fake_policy: Any = policy or FakePolicy()
    relay: Any = RelaySpy()
    yield Runtime(settings, db, broker, fake_policy, metrics, relay, asyncio.Event(), dead_letters)
    await db.dispose()


def district_settings(settings_class: type[S], data_dir: Path, district_dir: Path, org: str, **overrides: Any) -> S:
    """A service's settings as ``org``, a member of the development district in ``district_dir``."""
    return settings_class(infohus_data_dir=data_dir, infohus_org=org,
                          infohus_district_file=district_dir / "district.json",
                          exchange_bootstrap_servers="127.0.0.1:1",
                          exchange_signing_key_file=district_dir / org / "signing-key.json", **overrides)


def join_district(runtime: Runtime) -> Runtime:
    """The runtime with its organisation's exchange link, as ``build_app`` makes it (its broker is never started)."""
    from infohus_platform.exchange.link import Exchange

    district = runtime.settings.district()
    assert district is not None
    runtime.exchange = Exchange(runtime.settings, district)
    return runtime


def staff(runtime: Runtime, *roles: str, user: str | None = None, municipality: str = "820",
          **claims: Any) -> Guard:
    """A Guard for a member of staff of ``kommune-<municipality>`` holding ``roles`` (an SSP coordinator unless
    named), signed in as ``user`` (``u-<first role>`` unless named)."""
    roles = roles or ("ssp_coordinator",)
    return Guard(runtime, Principal(user_id=user or f"u-{roles[0]}", roles=list(roles), municipality_code=municipality,
                                    org=f"kommune-{municipality}", **claims))


async def rows(runtime: Runtime, table: type[SQLModel]) -> list[Any]:
    async with runtime.db.session() as session:
        return list((await session.exec(select(table))).all())


async def staged(runtime: Runtime) -> list[OutboxMessage]:
    return await rows(runtime, OutboxMessage)


async def logged(runtime: Runtime, action: str) -> list[ProcessingLogEntry]:
    return [entry for entry in await rows(runtime, ProcessingLogEntry) if entry.action == action]
