"""Intake's use cases over the shared fakes: a per-test SQLite database, a fake access policy and a relay spy."""

from collections.abc import AsyncIterator
from pathlib import Path

from fakes import FakePolicy, district_settings, join_district, rows, service_runtime, staff
from infohus_intake.settings import IntakeSettings
from infohus_intake.storage import TABLES
from infohus_platform.auth import Guard
from infohus_platform.runtime import Runtime

__all__ = ["caseworker", "intake_runtime", "member_runtime", "rows"]


def intake_runtime(tmp_path: Path) -> AsyncIterator[Runtime]:
    # Intake asks OPA about access only.
    return service_runtime(IntakeSettings(infohus_data_dir=tmp_path), TABLES,
                           policy=FakePolicy(access_id="dec-1", only=("access",)))


def caseworker(runtime: Runtime) -> Guard:
    return staff(runtime, user="u-ssp-820")


async def member_runtime(tmp_path: Path, district_dir: Path, org: str = "kommune-820") -> AsyncIterator[Runtime]:
    """Intake of ``org`` as a member of the district: its exchange is set (its broker is never started)."""
    settings = district_settings(IntakeSettings, tmp_path, district_dir, org)
    async for runtime in service_runtime(settings, TABLES, policy=FakePolicy(access_id="dec-1", only=("access",))):
        yield join_district(runtime)
