"""Submitting a concern: stored, its event staged and the write logged, in one transaction; once per key."""

import json
from collections.abc import AsyncIterator
from pathlib import Path
from uuid import UUID

import pytest
from intake_fakes import caseworker, intake_runtime, rows

import samples
from infohus_contracts.base.classes import classes_present
from infohus_contracts.case.events import ConcernReceived
from infohus_contracts.case.topics import CONCERN_RECEIVED
from infohus_intake.api.concerns import submit_concern as submit_route
from infohus_intake.domain import IdempotencyKeyReused
from infohus_intake.schemas import ConcernAccepted, ConcernCreate
from infohus_intake.service.concerns import submit_concern
from infohus_intake.storage import ConcernRecord, ConcernRepository, IdempotencyKey
from infohus_platform.audit.processing_log import ProcessingLogEntry
from infohus_platform.errors import AccessRefused
from infohus_platform.messaging.outbox import OutboxMessage
from infohus_platform.problems import error_problem
from infohus_platform.runtime import Runtime
from infohus_platform.tenancy import ForeignTenant


@pytest.fixture
async def runtime(tmp_path: Path) -> AsyncIterator[Runtime]:
    async for value in intake_runtime(tmp_path):
        yield value


async def test_a_submitted_concern_is_stored_staged_once_and_its_write_logged(runtime: Runtime) -> None:
    submission = ConcernCreate.model_validate(samples.concern())
    accepted = await submit_concern(runtime, caseworker(runtime), submission, idempotency_key=None)

    assert isinstance(accepted, ConcernAccepted)
    concern_id = str(accepted.concern_id)
    async with runtime.db.session() as session:
        stored = await ConcernRepository(session).get(accepted.concern_id)
    assert stored is not None and stored.description == submission.description
    [record] = await rows(runtime, ConcernRecord)
    assert (record.controller, record.regime) == ("kommune-820", "gdpr")
    assert record.person_key == runtime.settings.person_key(submission.person.cpr)

    [message] = await rows(runtime, OutboxMessage)
    assert (message.topic, message.key, message.status) == (CONCERN_RECEIVED.name, concern_id, "pending")
    event = ConcernReceived.model_validate_json(message.body)
    assert event.concern_id == accepted.concern_id
    classes = sorted(c.value for c in classes_present(event))
    assert message.share["data_classes"] == classes
    assert {"identity", "narrative", "reporter", "special_category"} <= set(classes)
    assert (message.share["recipient_kind"], message.share["purpose"], message.share["case_stage"]) == (
        "internal", "prevention", "received")
    assert message.share["subject"]["municipality_code"] == "820"
    assert message.headers["ce_type"] == "dk.infohus.concern.received.v1"

    [entry] = await rows(runtime, ProcessingLogEntry)
    assert (entry.action, entry.subject_ref, entry.actor, entry.decision_id) == (
        "concern.create", concern_id, "u-ssp-820", "dec-1")
    assert entry.data_classes == classes
    assert runtime.relay.wakes == 1  # type: ignore[attr-defined]


async def test_the_same_key_and_body_answer_with_the_first_concern(runtime: Runtime) -> None:
    body = samples.concern()
    first = await submit_concern(runtime, caseworker(runtime), ConcernCreate.model_validate(body), "telefon-001")
    again = await submit_concern(runtime, caseworker(runtime), ConcernCreate.model_validate(body), "telefon-001")

    assert again == first
    assert len(await rows(runtime, ConcernRecord)) == 1
    assert len(await rows(runtime, OutboxMessage)) == 1
    [key] = await rows(runtime, IdempotencyKey)
    assert (key.key, key.concern_id) == ("telefon-001", str(first.concern_id))


async def test_the_same_key_with_another_body_is_refused_and_nothing_is_added(runtime: Runtime) -> None:
    await submit_concern(runtime, caseworker(runtime), ConcernCreate.model_validate(samples.concern()), "k-1")
    other = ConcernCreate.model_validate(samples.concern() | {"description": "Noget helt andet."})

    with pytest.raises(IdempotencyKeyReused):
        await submit_concern(runtime, caseworker(runtime), other, "k-1")
    assert len(await rows(runtime, ConcernRecord)) == 1
    assert len(await rows(runtime, OutboxMessage)) == 1


async def test_the_route_answers_a_reused_key_with_422_and_the_field(runtime: Runtime) -> None:
    await submit_route(ConcernCreate.model_validate(samples.concern()), runtime, caseworker(runtime), "k-2")
    with pytest.raises(IdempotencyKeyReused) as refused:
        await submit_route(ConcernCreate.model_validate(samples.concern() | {"description": "Andet."}), runtime,
                           caseworker(runtime), "k-2")
    assert refused.value.status == 422
    assert error_problem(refused.value)["errors"] == [
        {"field": "Idempotency-Key", "reason": "key already used for a different concern", "type": "rule"}]


async def test_a_refused_caseworker_stores_nothing_and_the_refusal_is_logged(runtime: Runtime) -> None:
    runtime.policy.allow_access = False  # type: ignore[attr-defined]
    submission = ConcernCreate.model_validate(samples.concern(municipality_code="820"))

    with pytest.raises(AccessRefused) as refused:
        await submit_concern(runtime, caseworker(runtime), submission, None)
    assert refused.value.status == 403
    assert await rows(runtime, ConcernRecord) == [] and await rows(runtime, OutboxMessage) == []
    [entry] = await rows(runtime, ProcessingLogEntry)
    assert (entry.action, entry.outcome) == ("concern.create", "denied")
    [asked] = runtime.policy.questions("access")  # type: ignore[attr-defined]
    assert asked["action"] == "concern.create" and asked["resource"]["municipality_code"] == "820"
    assert runtime.relay.wakes == 0  # type: ignore[attr-defined]


async def test_a_concern_of_another_municipality_is_refused_before_anything_is_asked(runtime: Runtime) -> None:
    submission = ConcernCreate.model_validate(samples.concern(municipality_code="851"))

    with pytest.raises(ForeignTenant) as refused:
        await submit_concern(runtime, caseworker(runtime), submission, None)
    assert (refused.value.status, refused.value.field) == (422, "municipality_code")
    assert "Aalborg Kommune (851)" in refused.value.reason
    assert await rows(runtime, ConcernRecord) == [] and await rows(runtime, OutboxMessage) == []
    assert runtime.policy.questions("access") == []  # type: ignore[attr-defined]


async def test_an_anonymous_concern_is_stored_without_a_reporter(runtime: Runtime) -> None:
    submission = ConcernCreate.model_validate(samples.concern(anonymous=True))
    accepted = await submit_concern(runtime, caseworker(runtime), submission, None)
    [record] = await rows(runtime, ConcernRecord)
    assert UUID(record.concern_id) == accepted.concern_id
    assert json.loads(record.content)["reporter"] is None
    [message] = await rows(runtime, OutboxMessage)
    assert "reporter" not in message.share["data_classes"]
