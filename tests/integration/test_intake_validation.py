"""Bad input gets a 422 naming the field and the reason; nothing is stored or sent."""

import pytest

import samples
from support import query, submit_concern


def concern_rows(stack) -> tuple[int, int]:
    concerns = query(stack, "intake", "SELECT count(*) AS n FROM concern")[0]["n"]
    outbox = query(stack, "intake", "SELECT count(*) AS n FROM outbox_message")[0]["n"]
    return concerns, outbox


def with_person(**person):
    body = samples.concern()
    body["person"] = body["person"] | person
    return body


@pytest.mark.parametrize(
    ("body", "field", "reason"),
    [
        (with_person(cpr="12345"), "person.cpr", "10 digits"),
        (with_person(cpr="3213901234"), "person.cpr", "not a valid date"),
        (with_person(cpr="0101354999"), "person.cpr", "future"),
        (with_person(birth_date="2999-01-01", cpr=None), "person.birth_date", "future"),
        (samples.concern(municipality_code="999"), "municipality_code", "unknown municipality"),
        (samples.concern(received_at="2999-01-01T10:00:00Z"), "received_at", "future"),
        ({k: v for k, v in samples.concern().items() if k != "description"}, "description", "required"),
        (samples.concern(channel="pigeon"), "channel", "phone"),
        (samples.concern(anonymous=True, reporter={"name": "Søren"}), "", "anonymous"),
    ],
)
def test_bad_concern_is_refused_with_field_and_reason(api, stack, body, field, reason):
    before = concern_rows(stack)
    response = submit_concern(api, body)
    assert response.status_code == 422
    errors = response.json()["errors"]
    assert any(e["field"] == field and reason in e["reason"] for e in errors), errors
    assert concern_rows(stack) == before
    # The refused value is never echoed back.
    cpr = body.get("person", {}).get("cpr")
    if cpr:
        assert cpr not in response.text


def test_same_idempotency_key_creates_one_concern(api, stack):
    body = samples.concern()
    headers = {"Idempotency-Key": "telefon-2026-11-23-001"}
    first = submit_concern(api, body, headers=headers)
    second = submit_concern(api, body, headers=headers)
    assert first.status_code == second.status_code == 202
    assert first.json() == second.json()
    rows = query(stack, "intake", "SELECT count(*) AS n FROM concern WHERE concern_id = $1", first.json()["concern_id"])
    assert rows[0]["n"] == 1

    different = submit_concern(api, samples.concern(), headers=headers)
    assert different.status_code == 422


def test_anonymous_concern_stores_no_reporter(api, stack):
    response = submit_concern(api, samples.concern(anonymous=True))
    assert response.status_code == 202
    stored = query(stack, "intake", "SELECT content FROM concern WHERE concern_id = $1", response.json()["concern_id"])
    assert '"reporter":null' in stored[0]["content"]
