"""The network's inbound contract and the registry's statistics for it (counts only, suppressed)."""

import json
from datetime import UTC, datetime
from pathlib import Path
from uuid import uuid4

import pytest
from pydantic import ValidationError

from infohus_contracts.base.aggregates import AGE_BANDS, AggregateMetric, AggregateReport
from infohus_contracts.base.classes import DataClass, field_classes
from infohus_registry.domain import age_band, aggregate_report, changes, count_cells, policy_aggregate, suppress

POLICY_DATA = Path(__file__).resolve().parents[2] / "policies" / "infohus" / "config" / "data.json"
M = AggregateMetric


def report(**overrides) -> AggregateReport:
    base = dict(report_id=uuid4(), municipality_code="820", period="2026-11", metric="age_band",
                dimension_value="15-17", count=7, suppressed=False, k=5, computed_at=datetime.now(UTC))
    return AggregateReport(**(base | overrides))


def test_every_field_is_an_aggregate():
    assert set(field_classes(AggregateReport).values()) == {DataClass.AGGREGATE}


def test_a_dimension_cell_carries_a_code_never_free_text():
    assert report().cell_key == "820:2026-11:age_band:15-17"
    assert report(metric="source_category", dimension_value="public_school").count == 7
    assert report(metric="concern_level", dimension_value="hoej").dimension_value == "hoej"
    assert report(metric="concerns_received", dimension_value=None).cell_key == "820:2026-11:concerns_received"
    for metric, value in [
        ("age_band", "16"),  # not a band
        ("source_category", "teacher_soeren"),  # not a source category
        ("outcome", "0101104234"),  # digits: never in an open code
        ("outcome", "sag 2026-123"),
        ("effort_level", "Mentor til Åse"),
        ("concern_level", None),  # a dimension needs its value
        ("concerns_received", "public_school"),  # the volume has none
    ]:
        with pytest.raises(ValidationError):
            report(metric=metric, dimension_value=value)


def test_counts_only_and_small_cells_suppressed():
    assert report(count=None, suppressed=True).count is None
    with pytest.raises(ValidationError, match="below k"):
        report(count=4)
    with pytest.raises(ValidationError):
        report(count=None, suppressed=False)
    with pytest.raises(ValidationError):
        AggregateReport.model_validate(report().model_dump() | {"person_name": "Åse"})


def test_the_registry_age_bands_are_the_contract_s():
    assert {age_band(a) for a in (None, 3, 15, 20, 30, 60)} == set(AGE_BANDS)


def rows(*specs: tuple) -> list[dict]:
    keys = ("source_category", "age_band", "concern_level", "outcome", "effort_level")
    return [dict(zip(keys, spec, strict=True)) for spec in specs]


def test_cells_count_the_volume_and_every_known_value():
    counts = count_cells(rows(
        ("public_school", "15-17", None, None, None),
        ("public_school", "15-17", "lav", "upheld", None),
        ("police", "18-24", "lav", None, None),
        ("police", "18-24", "Not A Code", None, None),  # never sent
    ))
    assert counts[(M.CONCERNS_RECEIVED, None)] == 4
    assert counts[(M.SOURCE_CATEGORY, "public_school")] == 2 and counts[(M.AGE_BAND, "18-24")] == 2
    assert counts[(M.CONCERN_LEVEL, "lav")] == 2  # the unknown level is left out, so is the bad code
    assert (M.EFFORT_LEVEL, None) not in counts and len([k for k in counts if k[0] is M.CONCERN_LEVEL]) == 1


def test_primary_and_secondary_suppression():
    counts = {
        (M.CONCERNS_RECEIVED, None): 12,
        (M.AGE_BAND, "15-17"): 6, (M.AGE_BAND, "18-24"): 5, (M.AGE_BAND, "35+"): 1,  # one small: hide another
        (M.SOURCE_CATEGORY, "police"): 8, (M.SOURCE_CATEGORY, "neighbour"): 2, (M.SOURCE_CATEGORY, "psychiatry"): 2,
        (M.OUTCOME, "upheld"): 12,
    }
    shown = {(c.metric, c.value): c.count for c in suppress(counts, k=5)}
    assert shown[(M.CONCERNS_RECEIVED, None)] == 12
    assert shown[(M.AGE_BAND, "35+")] is None and shown[(M.AGE_BAND, "18-24")] is None  # the smallest other
    assert shown[(M.AGE_BAND, "15-17")] == 6  # 12 - 6 = 6 hidden in two cells: neither can be worked out
    assert shown[(M.SOURCE_CATEGORY, "police")] == 8  # two small cells already hide each other
    assert shown[(M.SOURCE_CATEGORY, "neighbour")] is None and shown[(M.SOURCE_CATEGORY, "psychiatry")] is None
    assert shown[(M.OUTCOME, "upheld")] == 12
    assert all(c.suppressed == (c.count is None) for c in suppress(counts, k=5))


@pytest.mark.parametrize(("count", "shown"), [(0, 0), (1, None), (4, None), (5, 5), (12, 12)])
def test_a_report_below_k_is_suppressed(count, shown):
    assert aggregate_report("820", "2026-11", count, 5, datetime.now(UTC), M.AGE_BAND, "0-14").count == shown


def test_what_opa_sees_is_within_the_policy_allow_list():
    allowed = json.loads(POLICY_DATA.read_text())["aggregate"]
    for metric, value in [(M.CONCERNS_RECEIVED, None), (M.AGE_BAND, "35+"), (M.SOURCE_CATEGORY, "social_media"),
                          (M.CONCERN_LEVEL, "moderat"), (M.OUTCOME, "not_radicalisation"),
                          (M.EFFORT_LEVEL, "intervening")]:
        aggregate = policy_aggregate(aggregate_report("820", "2026-11", 7, 5, datetime.now(UTC), metric, value))
        assert set(aggregate) <= set(allowed["allowed_aggregate_keys"])
        for cell in aggregate["cells"]:
            assert set(cell) <= set(allowed["allowed_cell_keys"]), cell
            assert all(len(str(v)) <= allowed["max_label_length"] for v in cell.values())


def test_only_changed_cells_are_sent_and_a_vanished_value_is_sent_as_zero():
    k = 5
    first = {(M.CONCERNS_RECEIVED, None): 5, (M.CONCERN_LEVEL, "lav"): 5, (M.AGE_BAND, "15-17"): 5}
    sent = {(c.metric, c.value): c.shown for c in changes(first, {}, k)}
    assert sent == {(M.CONCERNS_RECEIVED, None): (5, False), (M.CONCERN_LEVEL, "lav"): (5, False),
                    (M.AGE_BAND, "15-17"): (5, False)}
    # One concern is reassessed from "lav" to "moderat": the new value is small, and the old one shrinks.
    second = first | {(M.CONCERN_LEVEL, "lav"): 4, (M.CONCERN_LEVEL, "moderat"): 1}
    assert {(c.metric, c.value): c.shown for c in changes(second, sent, k)} == {
        (M.CONCERN_LEVEL, "lav"): (None, True), (M.CONCERN_LEVEL, "moderat"): (None, True)}
    # All five move to "hoej": "lav" and "moderat" are gone and are sent once as 0.
    third = first | {(M.CONCERN_LEVEL, "lav"): 0} | {(M.CONCERN_LEVEL, "hoej"): 5}
    third = {key: n for key, n in third.items() if n}
    previous = sent | {(M.CONCERN_LEVEL, "lav"): (None, True), (M.CONCERN_LEVEL, "moderat"): (None, True)}
    assert {(c.metric, c.value): c.shown for c in changes(third, previous, k)} == {
        (M.CONCERN_LEVEL, "hoej"): (5, False), (M.CONCERN_LEVEL, "lav"): (0, False),
        (M.CONCERN_LEVEL, "moderat"): (0, False)}
    assert changes(third, previous | {(M.CONCERN_LEVEL, "hoej"): (5, False), (M.CONCERN_LEVEL, "lav"): (0, False),
                                      (M.CONCERN_LEVEL, "moderat"): (0, False)}, k) == []
