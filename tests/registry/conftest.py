"""The registry's unit tests: one runtime over a per-test SQLite database and the shared fakes."""

from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from registry_fakes import registry_runtime

from infohus_platform.runtime import Runtime


@pytest.fixture
async def runtime(tmp_path: Path) -> AsyncIterator[Runtime]:
    async for value in registry_runtime(tmp_path):
        yield value
