"""Registry's use cases over the shared fakes (a per-test SQLite database, a fake policy and a relay spy);
builders for the case events assessment publishes."""

from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from uuid import UUID, uuid4

import samples
from fakes import FakePolicy, rows, service_runtime, staff
from infohus_contracts.case.events import CaseOpened, ConcernReceived
from infohus_platform.auth import Guard
from infohus_platform.policy import SharePreview
from infohus_platform.runtime import Runtime
from infohus_registry.service.registrations import register_case
from infohus_registry.service.statistics import publish_due_aggregates
from infohus_registry.settings import RegistrySettings
from infohus_registry.storage import TABLES

__all__ = ["case_opened", "change", "concern_uuid", "keeper", "registry_runtime", "rows"]


def registry_runtime(tmp_path: Path, **settings_overrides: Any) -> AsyncIterator[Runtime]:
    # The share preview gives no answer unless a test sets one.
    policy = FakePolicy(preview=SharePreview(None), only=("access", "k_threshold", "retention", "preview"))
    # An instance of two municipalities (a joint infohus), so a test can show each sees only its own.
    settings = RegistrySettings(infohus_data_dir=tmp_path, infohus_municipalities="820,851", **settings_overrides)
    return service_runtime(settings, TABLES, policy=policy)


def keeper(runtime: Runtime, roles: tuple[str, ...] = ("registration_coordinator",),
           municipality: str = "820") -> Guard:
    return staff(runtime, *roles, municipality=municipality)


def case_opened(received_at: datetime | None = None, **concern: Any) -> CaseOpened:
    body = samples.concern(**concern) | {"concern_id": str(uuid4())}
    body["received_at"] = (received_at or datetime.now(UTC)).isoformat()
    received = ConcernReceived.model_validate(body)
    return CaseOpened(case_id=uuid4(), opened_at=datetime.now(UTC), lead="ssp_coordinator",
                      reporter_organisation=received.reporter.organisation if received.reporter else None,
                      concern=received)


def change(opened: CaseOpened, **fields: Any) -> dict[str, Any]:
    """What every later case event carries for this case."""
    return {"case_id": opened.case_id, "concern_id": opened.concern.concern_id, "at": datetime.now(UTC),
            "actor": "u-ssp-820"} | fields


def concern_uuid(opened: CaseOpened) -> UUID:
    return opened.concern.concern_id


RECEIVED = datetime(2026, 11, 10, 9, tzinfo=UTC)

async def register(runtime: Runtime, count: int, **concern: Any) -> None:
    """``count`` cases registered, then the due aggregates staged (what the registry does a few seconds later)."""
    async with runtime.db.session() as session:
        for _ in range(count):
            await register_case(runtime, session, case_opened(received_at=RECEIVED, **concern))
        await session.commit()
    await publish_due_aggregates(runtime)
