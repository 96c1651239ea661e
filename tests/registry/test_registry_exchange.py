"""Aggregates to the district's network over the exchange: the same cells as on the internal topic, each
destination following the rule on its own (only what changed since the last share to it that was not denied),
also once the relay has dropped the sent message's body."""

import json
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from registry_fakes import register, rows

from fakes import FakePolicy, district_settings, join_district, service_runtime
from infohus_contracts.base.district import link_topic
from infohus_contracts.base.exchange import AGGREGATE_REPORT_SHARED
from infohus_contracts.base.topics import NETWORK_AGGREGATES
from infohus_platform.messaging.outbox import OutboxMessage
from infohus_platform.runtime import Runtime
from infohus_registry.service.statistics import destinations, stage_aggregates
from infohus_registry.settings import RegistrySettings
from infohus_registry.storage import TABLES

NETWORK = "netvaerk-nordjylland"


async def member(tmp_path: Path, district_dir: Path, org: str, **overrides: str) -> AsyncIterator[Runtime]:
    settings = district_settings(RegistrySettings, tmp_path, district_dir, org, **overrides)
    async for runtime in service_runtime(settings, TABLES, policy=FakePolicy(only=("k_threshold",))):
        yield join_district(runtime)


@pytest.fixture
async def runtime(tmp_path: Path, district_dir: Path) -> AsyncIterator[Runtime]:
    async for value in member(tmp_path, district_dir, "kommune-820"):
        yield value


async def staged_on(runtime: Runtime, topic: str) -> list[OutboxMessage]:
    return [m for m in await rows(runtime, OutboxMessage) if m.topic == topic]


async def sent(runtime: Runtime, topic: str, status: str = "published") -> None:
    """What the relay does to a row it handled: a message to another organisation also loses its body."""
    async with runtime.db.session() as session:
        for row in await staged_on(runtime, topic):
            row.status = status
            if topic.startswith("infohus.x."):
                row.body = ""
            session.add(row)
        await session.commit()


def cells(messages: list[OutboxMessage]) -> set[tuple]:
    return {(m.key, m.share["aggregate"]["cells"][0]["count"], m.share["aggregate"]["cells"][0]["suppressed"])
            for m in messages}


async def test_a_member_stages_the_same_cells_for_the_network_on_its_link(runtime: Runtime) -> None:
    link = link_topic("kommune-820", NETWORK)
    await register(runtime, 5, age=16, source_category="police")

    internal, exchanged = await staged_on(runtime, NETWORK_AGGREGATES.name), await staged_on(runtime, link)
    assert len(exchanged) == len(internal) == 3 and cells(exchanged) == cells(internal)
    assert {m.body for m in exchanged} == {m.body for m in internal}  # the very same reports
    for message in exchanged:
        assert message.headers["ce_type"] == AGGREGATE_REPORT_SHARED.type
        assert (message.share["recipient_org"], message.share["message_type"]) == (NETWORK,
                                                                                   AGGREGATE_REPORT_SHARED.type)
        assert (message.share["recipient_kind"], message.share["purpose"]) == ("network", "statistics")
        assert message.share["data_classes"] == ["aggregate"]
        assert json.loads(message.body)["municipality_code"] == "820"


async def test_the_exchange_rows_follow_the_superseding_rule_after_their_bodies_are_dropped(
        runtime: Runtime) -> None:
    link = link_topic("kommune-820", NETWORK)
    await register(runtime, 4, age=16, source_category="police")  # every cell suppressed
    await sent(runtime, link)
    await sent(runtime, NETWORK_AGGREGATES.name)
    assert all(m.body == "" for m in await staged_on(runtime, link))

    await register(runtime, 1, age=16, source_category="police")  # the fifth: every cell shown
    fifth = (await staged_on(runtime, link))[3:]
    assert {(key.split(":")[2], count, hidden) for key, count, hidden in cells(fifth)} == {
        ("concerns_received", 5, False), ("age_band", 5, False), ("source_category", 5, False)}
    await sent(runtime, link)

    async with runtime.db.session() as session:  # nothing changed: nothing staged for either
        await stage_aggregates(runtime, session, "820", "2026-11", 5)
        await session.commit()
    assert len(await staged_on(runtime, link)) == 6 and len(await staged_on(runtime, NETWORK_AGGREGATES.name)) == 6


async def test_a_denied_share_to_the_network_is_staged_again_for_it_alone(runtime: Runtime) -> None:
    link = link_topic("kommune-820", NETWORK)
    await register(runtime, 5)
    await sent(runtime, link, status="denied")
    await sent(runtime, NETWORK_AGGREGATES.name)
    internal = len(await staged_on(runtime, NETWORK_AGGREGATES.name))

    async with runtime.db.session() as session:
        await stage_aggregates(runtime, session, "820", "2026-11", 5)
        await session.commit()
    assert len(await staged_on(runtime, NETWORK_AGGREGATES.name)) == internal
    again = [m for m in await staged_on(runtime, link) if m.status == "pending"]
    assert len(again) == internal and all(m.body for m in again)


async def test_a_police_district_instance_sends_its_aggregates_too(tmp_path: Path, district_dir: Path) -> None:
    async for police in member(tmp_path, district_dir, "politi-nordjylland", infohus_regime="rhl"):
        assert [d.network_org for d in destinations(police)] == [None, NETWORK]
        await register(police, 5, municipality_code="851")
        exchanged = await staged_on(police, link_topic("politi-nordjylland", NETWORK))
        assert exchanged and {json.loads(m.body)["municipality_code"] for m in exchanged} == {"851"}


async def test_a_stand_alone_instance_or_one_without_the_agreement_stages_the_internal_topic_only(
        runtime: Runtime) -> None:
    assert runtime.exchange is not None
    district = runtime.exchange.district
    runtime.exchange.district = district.model_copy(
        update={"agreements": tuple(a for a in district.agreements if a.type != AGGREGATE_REPORT_SHARED.type)})
    assert [d.topic for d in destinations(runtime)] == [NETWORK_AGGREGATES.name]
    runtime.exchange = None
    await register(runtime, 5)
    topics = {m.topic for m in await rows(runtime, OutboxMessage)}
    assert NETWORK_AGGREGATES.name in topics and not any(t.startswith("infohus.x.") for t in topics)
