"""Statistics: what the network gets (suppressed below k, only what changed) and the municipality's own counts."""

import json

from registry_fakes import keeper, register, rows

from infohus_contracts.base.aggregates import AggregateMetric
from infohus_contracts.base.topics import NETWORK_AGGREGATES
from infohus_platform.messaging.outbox import OutboxMessage
from infohus_platform.runtime import Runtime
from infohus_registry.domain import changes, count_cells, suppress
from infohus_registry.schemas import StatisticsPublic
from infohus_registry.service.statistics import own_statistics, stage_aggregates

M = AggregateMetric


async def network_cells(runtime: Runtime) -> list[dict]:
    return [json.loads(m.body) for m in await rows(runtime, OutboxMessage) if m.topic == NETWORK_AGGREGATES.name]


def test_cells_below_k_are_suppressed_and_one_more_hides_them():
    counts = {(M.CONCERNS_RECEIVED, None): 9, (M.AGE_BAND, "15-17"): 6, (M.AGE_BAND, "18-24"): 2,
              (M.AGE_BAND, "25-34"): 1}
    shown = {(c.metric, c.value): c.shown for c in suppress(counts, 5)}
    assert shown[(M.CONCERNS_RECEIVED, None)] == (9, False)
    assert shown[(M.AGE_BAND, "18-24")] == shown[(M.AGE_BAND, "25-34")] == (None, True)
    assert shown[(M.AGE_BAND, "15-17")] == (6, False)  # two hidden already: no secondary suppression needed
    alone = suppress({(M.CONCERNS_RECEIVED, None): 8, (M.AGE_BAND, "15-17"): 6, (M.AGE_BAND, "18-24"): 2}, 5)
    assert {(c.value, c.shown) for c in alone if c.metric is M.AGE_BAND} == {("15-17", (None, True)),
                                                                         ("18-24", (None, True))}


def test_unknown_values_are_skipped_and_a_vanished_cell_is_sent_once_as_zero():
    counts = count_cells([{"age_band": "15-17", "outcome": None}, {"age_band": "not a band"}])
    assert counts == {(M.CONCERNS_RECEIVED, None): 2, (M.AGE_BAND, "15-17"): 1}
    previous = {(M.CONCERNS_RECEIVED, None): (None, True), (M.AGE_BAND, "15-17"): (None, True),
                (M.OUTCOME, "unfounded"): (None, True)}
    assert [(c.metric, c.value, c.shown) for c in changes(counts, previous, 5)] == [(M.OUTCOME, "unfounded",
                                                                                     (0, False))]


async def test_the_network_gets_suppressed_cells_and_only_what_changed(runtime):
    await register(runtime, 4, age=16, source_category="police")
    cells = await network_cells(runtime)
    latest = {(c["metric"], c["dimension_value"]): c for c in cells}
    assert set(latest) == {("concerns_received", None), ("age_band", "15-17"), ("source_category", "police")}
    assert all(c["suppressed"] and c["count"] is None and c["k"] == 5 for c in latest.values())

    await register(runtime, 1, age=16, source_category="police")  # the fifth: every cell reaches k
    fifth = (await network_cells(runtime))[len(cells):]
    assert {(c["metric"], c["count"], c["suppressed"]) for c in fifth} == {
        ("concerns_received", 5, False), ("age_band", 5, False), ("source_category", 5, False)}

    before = len(await network_cells(runtime))
    async with runtime.db.session() as session:
        await stage_aggregates(runtime, session, "820", "2026-11", 5)  # nothing changed: nothing staged
        await session.commit()
    assert len(await network_cells(runtime)) == before
    async with runtime.db.session() as session:
        await stage_aggregates(runtime, session, "820", "2026-11", 5, force=True)
        await session.commit()
    assert len(await network_cells(runtime)) == before + 3


async def test_a_share_to_the_network_carries_only_aggregates(runtime):
    await register(runtime, 1)
    shared = [m for m in await rows(runtime, OutboxMessage) if m.topic == NETWORK_AGGREGATES.name]
    assert shared and all(m.share["data_classes"] == ["aggregate"] for m in shared)
    volume = next(m for m in shared if json.loads(m.body)["metric"] == "concerns_received")
    assert volume.key == "820:2026-11:concerns_received"
    assert volume.share["aggregate"] == {"metric": "concerns_received", "period": "2026-11",
                                         "cells": [{"count": None, "suppressed": True, "municipality_code": "820"}]}


async def test_the_municipality_sees_its_own_statistics_with_from_and_to(runtime):
    await register(runtime, 2, age=16)
    await register(runtime, 1, municipality_code="851")
    stats = await own_statistics(runtime, keeper(runtime), "2026-11", None)
    assert isinstance(stats, StatisticsPublic)
    body = stats.model_dump(mode="json", by_alias=True)
    assert list(body) == ["from", "to", "volume", "by_period", "concern_levels", "sources", "age_bands", "outcomes",
                          "efforts"]
    assert (body["from"], body["to"], body["volume"]) == ("2026-11", None, 2)
    assert body["age_bands"] == {"15-17": 2} and body["outcomes"] == {"ukendt": 2}
    asked = [i for kind, i in runtime.policy.asked if kind == "access"]
    assert asked[-1]["action"] == "statistics.read" and asked[-1]["resource"]["municipality_code"] == "820"
