"""Intake's rules: what a submitted concern must hold, when a request is a replay, what event it becomes."""

from datetime import UTC, datetime, timedelta
from uuid import uuid4

import pytest
from pydantic import ValidationError

import samples
from infohus_contracts.case.events import ConcernReceived
from infohus_intake.domain import IdempotencyKeyReused, accept, fingerprint, replayed
from infohus_intake.schemas import ConcernCreate


def test_the_fingerprint_is_the_content_without_the_receipt_time():
    body = samples.concern()
    first = ConcernCreate.model_validate(body | {"received_at": datetime.now(UTC) - timedelta(minutes=5)})
    retried = ConcernCreate.model_validate(body)
    assert fingerprint(first) == fingerprint(retried)
    assert len(fingerprint(first)) == 64
    other = ConcernCreate.model_validate(body | {"description": "En anden bekymring."})
    assert fingerprint(other) != fingerprint(first)


def test_an_accepted_concern_is_the_received_event_with_an_id():
    submission = ConcernCreate.model_validate(samples.concern())
    concern_id = uuid4()
    concern = accept(submission, concern_id)
    assert isinstance(concern, ConcernReceived)
    assert concern.concern_id == concern_id
    assert concern.person.name == submission.person.name and concern.reporter == submission.reporter
    assert accept(submission).concern_id != accept(submission).concern_id  # a new id unless given


def test_a_replay_answers_with_the_first_concern_and_a_different_content_is_refused():
    concern_id = str(uuid4())
    assert str(replayed("abc", "abc", concern_id)) == concern_id
    with pytest.raises(IdempotencyKeyReused) as refused:
        replayed("abc", "def", concern_id)
    assert refused.value.field == "Idempotency-Key"
    assert refused.value.reason == "key already used for a different concern"


def test_an_anonymous_concern_carries_no_reporter():
    with pytest.raises(ValidationError, match="an anonymous concern carries no reporter"):
        ConcernCreate.model_validate(samples.concern() | {"anonymous": True})
    anonymous = ConcernCreate.model_validate(samples.concern(anonymous=True))
    assert anonymous.reporter is None


def test_a_concern_is_refused_with_unknown_fields_a_future_time_or_an_unknown_municipality():
    with pytest.raises(ValidationError):
        ConcernCreate.model_validate(samples.concern() | {"cpr_of_reporter": "0101011234"})
    with pytest.raises(ValidationError, match="must not be in the future"):
        ConcernCreate.model_validate(samples.concern() | {"received_at": datetime.now(UTC) + timedelta(days=1)})
    with pytest.raises(ValidationError, match="unknown municipality code"):
        ConcernCreate.model_validate(samples.concern(municipality_code="999"))
