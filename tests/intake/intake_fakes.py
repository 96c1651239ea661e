"""Intake's use cases over the shared fakes: a per-test SQLite database, a fake access policy and a relay spy."""

from collections.abc import AsyncIterator
from pathlib import Path

from fakes import FakePolicy, rows, service_runtime, staff
from infohus_intake.settings import IntakeSettings
from infohus_intake.storage import TABLES
from infohus_platform.auth import Guard
from infohus_platform.runtime import Runtime

__all__ = ["caseworker", "intake_runtime", "rows"]


def intake_runtime(tmp_path: Path) -> AsyncIterator[Runtime]:
    # Intake asks OPA about access only.
    return service_runtime(IntakeSettings(infohus_data_dir=tmp_path), TABLES,
                           policy=FakePolicy(access_id="dec-1", only=("access",)))


def caseworker(runtime: Runtime) -> Guard:
    return staff(runtime, user="u-ssp-820")
