"""Assessment's use cases over the shared fakes (a per-test SQLite database, a fake policy and a relay spy);
builders for received concerns."""

from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from uuid import uuid4

import samples
from fakes import FakePolicy, logged, rows, service_runtime, staff, staged
from infohus_assessment.settings import AssessmentSettings
from infohus_assessment.storage import TABLES
from infohus_contracts.case.events import ConcernReceived
from infohus_platform.runtime import Runtime

__all__ = ["assessment_runtime", "logged", "received", "rows", "staff", "staged"]


def assessment_runtime(tmp_path: Path) -> AsyncIterator[Runtime]:
    # Assessment asks OPA about access and shares.
    return service_runtime(AssessmentSettings(infohus_data_dir=tmp_path), TABLES,
                           policy=FakePolicy(only=("access", "share")))


def received(**concern: Any) -> ConcernReceived:
    body = samples.concern(**concern) | {"concern_id": str(uuid4()), "received_at": datetime.now(UTC).isoformat()}
    return ConcernReceived.model_validate(body)
