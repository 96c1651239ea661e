"""The network as the receiver of the district's aggregates over the exchange: a report is kept as one from the
internal topic is, when its sender serves the report's municipality; otherwise it is refused and not stored."""

from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path
from uuid import uuid4

import pytest

from fakes import FakePolicy, district_settings, join_district, rows, service_runtime
from infohus_contracts.base.aggregates import AggregateReport
from infohus_contracts.base.exchange import AGGREGATE_REPORT_SHARED
from infohus_contracts.base.topics import NETWORK_TOPICS
from infohus_network.handlers import register_handlers
from infohus_network.metrics import NetworkMetrics
from infohus_network.settings import NetworkSettings
from infohus_network.storage import TABLES, AggregateCell
from infohus_platform.errors import RuleViolation
from infohus_platform.exchange.link import ExchangeDelivery
from infohus_platform.runtime import Runtime

ORG = "netvaerk-nordjylland"


@pytest.fixture
async def member(tmp_path: Path, district_dir: Path) -> AsyncIterator[Runtime]:
    settings = district_settings(NetworkSettings, tmp_path, district_dir, ORG, infohus_district="nordjylland")
    async for runtime in service_runtime(settings, TABLES, policy=FakePolicy(only=()), metrics=NetworkMetrics(),
                                         topics=NETWORK_TOPICS, migrate="infohus_network"):
        join_district(runtime)
        register_handlers(runtime)
        yield runtime


def report(municipality_code: str, count: int = 12) -> AggregateReport:
    return AggregateReport(report_id=uuid4(), municipality_code=municipality_code, period="2026-11",
                           metric="concerns_received", count=count, suppressed=False, k=5,
                           computed_at=datetime.now(UTC))


async def deliver(runtime: Runtime, body: AggregateReport, sender: str) -> None:
    """What the exchange does with an accepted message: the handler in a transaction, then the commit."""
    assert runtime.exchange is not None
    message, handler = runtime.exchange.handlers[AGGREGATE_REPORT_SHARED.type]
    assert message is AGGREGATE_REPORT_SHARED
    async with runtime.db.session() as session:
        delivery = ExchangeDelivery(session, str(uuid4()), sender, message.type)
        await handler(body, delivery)
        await session.commit()
        assert delivery.subjects == []  # counts only: no concern of this instance's is touched


async def test_a_municipality_and_the_police_district_report_their_own_municipalities(member: Runtime) -> None:
    await deliver(member, report("851", 12), "kommune-851")
    await deliver(member, report("820", 30), "politi-nordjylland")  # the police district serves every one

    stored = sorted((c.municipality_code, c.count) for c in await rows(member, AggregateCell))
    assert stored == [("820", 30), ("851", 12)]


async def test_a_report_for_a_municipality_its_sender_does_not_serve_is_refused_and_not_stored(
        member: Runtime) -> None:
    with pytest.raises(RuleViolation) as refused:
        await deliver(member, report("851"), "kommune-820")
    assert (refused.value.field, refused.value.status) == ("municipality_code", 422)
    assert "kommune-820" in refused.value.reason and "851" in refused.value.reason
    with pytest.raises(RuleViolation):
        await deliver(member, report("820"), "kommune-999")  # no organisation of the district
    assert await rows(member, AggregateCell) == []


async def test_a_stand_alone_network_registers_no_exchange_handler(network: Runtime) -> None:
    register_handlers(network)  # the network fixture of conftest: no district
    assert network.exchange is None
