"""Bounds in the concern contracts: lists no longer than their choices, sane dates, no control characters."""

from datetime import UTC, datetime, timedelta
from uuid import uuid4

import pytest
from pydantic import ValidationError

import samples
from infohus_contracts.case.events import (
    CaseClosed,
    ConcernContent,
    ConcernSign,
    EffortDecided,
    EffortLevel,
    LeadRole,
    Measure,
    Person,
    Reporter,
)


def content(**overrides) -> dict:
    body = samples.concern() | {"received_at": datetime.now(UTC).isoformat()} | overrides
    body.pop("reporter", None)
    return body


def errors_of(model, data) -> list[dict]:
    with pytest.raises(ValidationError) as caught:
        model.model_validate(data)
    return caught.value.errors()


def test_every_concern_sign_once_is_accepted():
    signs = [sign.value for sign in ConcernSign]
    assert len(ConcernContent.model_validate(content(concern_signs=signs)).concern_signs) == 12


def test_more_concern_signs_than_there_are_is_refused():
    errors = errors_of(ConcernContent, content(concern_signs=["personal_crisis"] * 10_000))
    assert [e["loc"] for e in errors] == [("concern_signs",)] and errors[0]["type"] == "too_long"


def test_a_concern_sign_named_twice_is_refused():
    errors = errors_of(ConcernContent, content(concern_signs=["personal_crisis", "personal_crisis"]))
    assert errors[0]["loc"] == ("concern_signs",) and "twice" in errors[0]["msg"]


def test_measures_are_bounded_and_named_once():
    base = {"case_id": uuid4(), "concern_id": uuid4(), "at": datetime.now(UTC), "actor": "u1",
            "decision_id": uuid4(), "effort_level": EffortLevel.GENERAL, "report_to_pet": False,
            "lead": LeadRole.SSP_COORDINATOR, "standing": True}
    assert EffortDecided.model_validate(base | {"measures": [m.value for m in Measure]})
    assert errors_of(EffortDecided, base | {"measures": ["mentor", "mentor"]})[0]["loc"] == ("measures",)
    assert errors_of(EffortDecided, base | {"measures": ["mentor"] * 9})[0]["type"] == "too_long"


@pytest.mark.parametrize("received_at", ["0001-01-01T00:00:00Z", "1899-12-31T23:00:00Z"])
def test_received_at_before_1900_is_refused(received_at):
    errors = errors_of(ConcernContent, content(received_at=received_at))
    assert errors[0]["loc"] == ("received_at",) and "1900" in errors[0]["msg"]


def test_received_at_before_the_persons_birth_is_refused():
    body = content()
    born = Person.model_validate(body["person"]).born()
    assert born is not None
    before = (datetime(born.year, born.month, born.day, tzinfo=UTC) - timedelta(days=1)).isoformat()
    errors = errors_of(ConcernContent, body | {"received_at": before})
    assert "received_at must not be before the person's birth date" in errors[0]["msg"]
    without_cpr = body | {"person": {"name": "Åse", "birth_date": born.isoformat()}, "received_at": before}
    assert "birth date" in errors_of(ConcernContent, without_cpr)[0]["msg"]


def test_a_birth_date_before_1900_is_refused():
    errors = errors_of(Person, {"name": "Åse", "birth_date": "1899-12-31"})
    assert errors[0]["loc"] == ("birth_date",) and "1900" in errors[0]["msg"]


@pytest.mark.parametrize("bad", ["\x00", "\x07", "\x1b[31m", "\x7f"])
def test_control_characters_in_free_text_are_refused_without_echoing_the_value(bad):
    value = f"hemmelig 0101011234 {bad}"
    errors = errors_of(ConcernContent, content(description=value))
    assert errors[0]["loc"] == ("description",) and "control characters" in errors[0]["msg"]
    assert "hemmelig" not in errors[0]["msg"]
    assert errors_of(Person, {"name": f"Åse{bad}"})[0]["loc"] == ("name",)
    assert errors_of(Reporter, {"organisation": value})[0]["loc"] == ("organisation",)
    closed = {"case_id": uuid4(), "concern_id": uuid4(), "at": datetime.now(UTC), "actor": "u1", "reason": value}
    assert errors_of(CaseClosed, closed)[0]["loc"] == ("reason",)


def test_line_breaks_and_tabs_are_free_text():
    text = "Første linje\nAnden linje\r\n\tindrykket"
    assert ConcernContent.model_validate(content(description=text)).description == text
