"""Intake's use cases over the shared fakes: a per-test SQLite database, a fake access policy and a relay spy."""

from collections.abc import AsyncIterator
from pathlib import Path

from fakes import FakePolicy, rows, service_runtime, staff
from infohus_intake.settings import IntakeSettings
from infohus_intake.storage import TABLES
from infohus_platform.auth import Guard
from infohus_platform.runtime import Runtime

__all__ = ["caseworker", "district_files", "intake_runtime", "member_runtime", "rows"]


def intake_runtime(tmp_path: Path) -> AsyncIterator[Runtime]:
    # Intake asks OPA about access only.
    return service_runtime(IntakeSettings(infohus_data_dir=tmp_path), TABLES,
                           policy=FakePolicy(access_id="dec-1", only=("access",)))


def caseworker(runtime: Runtime) -> Guard:
    return staff(runtime, user="u-ssp-820")


def district_files(folder: Path) -> Path:
    """A development district (nordjylland, municipality instances 820 and 851): its document, keys, OPA data."""
    from infohus_tools.district import init

    if not (folder / "district.json").exists():
        init(folder, "nordjylland", ["820", "851"], "t")
    return folder / "district.json"


async def member_runtime(tmp_path: Path, district_dir: Path, org: str = "kommune-820") -> AsyncIterator[Runtime]:
    """Intake of ``org`` as a member of the district: its exchange is set (its broker is never started)."""
    from infohus_platform.exchange.link import Exchange

    district_file = district_files(district_dir)
    settings = IntakeSettings(infohus_data_dir=tmp_path, infohus_org=org, infohus_district_file=district_file,
                              exchange_bootstrap_servers="127.0.0.1:1",
                              exchange_signing_key_file=district_dir / org / "signing-key.json")
    district = settings.district()
    assert district is not None
    async for runtime in service_runtime(settings, TABLES, policy=FakePolicy(access_id="dec-1", only=("access",))):
        runtime.exchange = Exchange(settings, district)
        yield runtime
