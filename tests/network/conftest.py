"""The network's use cases over a per-test SQLite database (migrated as the service migrates it) and the shared fakes.

No OPA and no relay loop: the use cases ask the policy only for the small-cell threshold and its data (any
other question fails the test), and the consumer decorator only wakes the relay.
"""

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from fakes import FakePolicy, service_runtime
from infohus_contracts.base.topics import NETWORK_TOPICS
from infohus_network.metrics import NetworkMetrics
from infohus_network.settings import NetworkSettings
from infohus_network.storage import TABLES
from infohus_platform.runtime import Runtime


@pytest.fixture
async def network(tmp_path: Path) -> AsyncIterator[Runtime]:
    settings = NetworkSettings(infohus_data_dir=tmp_path, infohus_district="nordjylland", kafka_topic_prefix="")
    async for runtime in service_runtime(settings, TABLES, policy=FakePolicy(only=("k_threshold", "data")),
                                         metrics=NetworkMetrics(), topics=NETWORK_TOPICS, migrate="infohus_network"):
        yield runtime
