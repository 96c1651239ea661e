"""Bad input gets a 422 naming the field and the reason; nothing is stored or sent."""

import pytest

import samples
from infohus_contracts.base.cpr import birth_date_from_cpr
from support import bearer, query, submit_concern


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


# --- bounds (issue 12): body size, list lengths, answer size, dates, control characters ----------

def post_raw(api, content, headers=None):
    auth = bearer("ssp_coordinator", municipality_code="820", org="kommune-820")
    return api["intake"].post("/api/v1/concerns", content=content,
                              headers=auth | {"content-type": "application/json"} | (headers or {}))


def test_a_body_over_the_limit_is_refused_with_413(api, stack):
    before = concern_rows(stack)
    body = samples.concern(description="x" * (2 * 1024 * 1024))
    response = submit_concern(api, body)
    assert response.status_code == 413 and "too large" in response.json()["detail"]
    assert concern_rows(stack) == before


def test_a_chunked_body_over_the_limit_is_refused_while_it_streams(api, stack):
    def chunks():
        yield b'{"description": "'
        for _ in range(2048):
            yield b"x" * 1024
        yield b'"}'

    response = post_raw(api, chunks())
    assert "content-length" not in response.request.headers
    assert response.status_code == 413


def test_ten_thousand_concern_signs_get_a_short_422(api, stack):
    before = concern_rows(stack)
    response = submit_concern(api, samples.concern(concern_signs=["personal_crisis"] * 10_000))
    assert response.status_code == 422 and len(response.content) < 2_000
    assert [e["field"] for e in response.json()["errors"]] == ["concern_signs"]
    assert concern_rows(stack) == before


def test_a_hundred_thousand_invalid_signs_get_a_small_answer(api, stack):
    response = submit_concern(api, samples.concern(concern_signs=[f"s{i}" for i in range(100_000)]))
    assert response.status_code in (413, 422) and len(response.content) < 10_000


@pytest.mark.parametrize("received_at", ["0001-01-01T00:00:00Z", "1899-06-01T12:00:00Z"])
def test_received_at_before_1900_is_refused(api, stack, received_at):
    response = submit_concern(api, samples.concern(received_at=received_at))
    assert response.status_code == 422
    assert any(e["field"] == "received_at" and "1900" in e["reason"] for e in response.json()["errors"])


def test_received_at_before_the_persons_birth_is_refused(api, stack):
    before = concern_rows(stack)
    body = samples.concern(age=16)
    born = birth_date_from_cpr(body["person"]["cpr"])
    response = submit_concern(api, body | {"received_at": f"{born.year - 1}-01-01T10:00:00Z"})
    assert response.status_code == 422
    assert any("before the person's birth date" in e["reason"] for e in response.json()["errors"])
    assert concern_rows(stack) == before


def test_a_nul_byte_in_the_description_is_refused_without_echoing_it(api, stack):
    before = concern_rows(stack)
    response = submit_concern(api, samples.concern(description="Hemmelig tekst\x00med NUL"))
    assert response.status_code == 422
    assert any(e["field"] == "description" and "control characters" in e["reason"]
               for e in response.json()["errors"])
    assert "Hemmelig" not in response.text
    assert concern_rows(stack) == before
