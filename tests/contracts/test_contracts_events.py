"""Event contracts: validation rules and data classes."""

from datetime import UTC, date, datetime, timedelta
from uuid import uuid4

import pytest
from pydantic import BaseModel, ValidationError

import samples
from infohus_contracts.base import aggregates
from infohus_contracts.base.aggregates import AggregateReport
from infohus_contracts.base.classes import DataClass, classes_present, field_classes
from infohus_contracts.base.cpr import birth_date_from_cpr
from infohus_contracts.case import events, notifications
from infohus_contracts.case.events import ConcernReceived, Person

EVENT_MODELS = sorted(
    {
        m
        for module in (events, aggregates, notifications)
        for m in vars(module).values()
        if isinstance(m, type) and issubclass(m, BaseModel) and m is not events.Contract
    },
    key=lambda m: m.__name__,
)


@pytest.mark.parametrize("model", EVENT_MODELS, ids=lambda m: m.__name__)
def test_every_event_field_has_a_data_class(model):
    unclassified = [name for name, data_class in field_classes(model).items() if data_class is None]
    assert unclassified == [], f"{model.__name__} fields without a data class: {unclassified}"


@pytest.mark.parametrize(
    ("cpr", "born"),
    [("0101101234", date(1910, 1, 1)), ("0101104234", date(2010, 1, 1)), ("3112585678", date(1858, 12, 31)),
     ("2902049999", date(2004, 2, 29))],
)
def test_cpr_century_rule(cpr, born):
    assert birth_date_from_cpr(cpr) == born


@pytest.mark.parametrize("cpr", ["123", "abcdefghij", "3002101234", "0113101234"])
def test_invalid_cpr_is_refused(cpr):
    with pytest.raises(ValidationError):
        Person(name="Åse", cpr=cpr)


def test_cpr_and_birth_date_must_agree():
    with pytest.raises(ValidationError, match="does not match"):
        Person(name="Åse", cpr="0101104234", birth_date=date(2010, 1, 2))


def test_age_from_cpr():
    person = Person(name="Åse", cpr="0101104234")
    assert person.age_on(date(2027, 12, 31)) == 17
    assert person.age_on(date(2028, 1, 1)) == 18


def test_anonymous_concern_carries_no_reporter():
    body = samples.concern(anonymous=True) | {"concern_id": str(uuid4()), "received_at": datetime.now(UTC)}
    assert ConcernReceived.model_validate(body).reporter is None
    with pytest.raises(ValidationError, match="anonymous"):
        ConcernReceived.model_validate(body | {"reporter": {"name": "Søren"}})


def test_classes_present_reflect_what_is_filled_in():
    body = samples.concern(anonymous=True) | {"concern_id": str(uuid4()), "received_at": datetime.now(UTC)}
    concern = ConcernReceived.model_validate(body)
    expected = {DataClass.IDENTITY, DataClass.NARRATIVE, DataClass.SPECIAL_CATEGORY, DataClass.PROCESS}
    assert expected <= classes_present(concern)
    assert DataClass.REPORTER not in classes_present(concern)


def aggregate(**overrides):
    base = dict(report_id=uuid4(), municipality_code="820", period="2026-11", metric="concerns_received",
                count=7, suppressed=False, k=5, computed_at=datetime.now(UTC))
    return AggregateReport(**(base | overrides))


def test_aggregate_refuses_small_cells_and_anything_extra():
    assert aggregate().count == 7
    with pytest.raises(ValidationError, match="below k"):
        aggregate(count=3)
    with pytest.raises(ValidationError):
        aggregate(count=None, suppressed=False)
    with pytest.raises(ValidationError):
        AggregateReport.model_validate(aggregate().model_dump() | {"person": {"name": "Åse"}})
    with pytest.raises(ValidationError):
        aggregate(period="2026-11-23")


def test_received_in_the_future_is_refused():
    body = samples.concern() | {"concern_id": str(uuid4()), "received_at": datetime.now(UTC) + timedelta(days=1)}
    with pytest.raises(ValidationError, match="future"):
        ConcernReceived.model_validate(body)


def test_only_the_network_topic_is_aggregate_only_whatever_the_run_prefix():
    from infohus_contracts.base.topics import NETWORK_AGGREGATES, is_aggregate_only
    from infohus_contracts.case.topics import ALL_TOPICS

    assert is_aggregate_only("t1234." + NETWORK_AGGREGATES.name)
    assert is_aggregate_only(NETWORK_AGGREGATES.name)
    assert [t.name for t in ALL_TOPICS if is_aggregate_only(t.name)] == [NETWORK_AGGREGATES.name]
