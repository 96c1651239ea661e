"""Forwarding: in a district, a concern for another municipality of the district goes to that municipality's
infohus (``CONCERN_FORWARDED`` on the exchange), without the reporter, and only the forwarding record stays."""

from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from intake_fakes import caseworker, member_runtime, rows

import samples
from fakes import staff
from infohus_contracts.base.district import link_topic
from infohus_contracts.case.exchange import CONCERN_FORWARDED, ConcernForwarded
from infohus_contracts.case.topics import CONCERN_RECEIVED
from infohus_intake.schemas import ConcernCreate
from infohus_intake.service.concerns import submit_concern
from infohus_intake.service.forwarding import forwarding_target, list_forwardings
from infohus_intake.storage import ConcernRecord, ForwardingRecord, IdempotencyKey
from infohus_platform.audit.processing_log import ProcessingLogEntry
from infohus_platform.errors import AccessRefused
from infohus_platform.messaging.outbox import OutboxMessage
from infohus_platform.runtime import Runtime
from infohus_platform.tenancy import ForeignTenant


@pytest.fixture
async def runtime(tmp_path: Path, district_dir: Path) -> AsyncIterator[Runtime]:
    async for value in member_runtime(tmp_path, district_dir):
        yield value


async def test_a_concern_for_another_municipality_of_the_district_is_forwarded_without_the_reporter(
        runtime: Runtime) -> None:
    submission = ConcernCreate.model_validate(samples.concern(municipality_code="851"))
    assert submission.reporter is not None

    accepted = await submit_concern(runtime, caseworker(runtime), submission, idempotency_key=None)

    assert accepted.forwarded_to == "kommune-851"
    # Not this instance's concern: no concern row, no CONCERN_RECEIVED for assessment and the registry.
    assert await rows(runtime, ConcernRecord) == []
    [message] = await rows(runtime, OutboxMessage)
    assert message.topic == link_topic("kommune-820", "kommune-851") != CONCERN_RECEIVED.name
    assert (message.key, message.status) == (str(accepted.concern_id), "pending")
    assert message.headers["ce_type"] == CONCERN_FORWARDED.type
    assert message.headers["ce_infohusrecipient"] == "kommune-851"
    body = ConcernForwarded.model_validate_json(message.body)
    assert body.concern.concern_id == accepted.concern_id
    assert body.concern.reporter is None  # who reported it stays here
    assert "Lærer Søren Ærø" not in message.body and "+45 12 34 56 78" not in message.body
    assert body.concern.person.cpr == submission.person.cpr and body.concern.description == submission.description
    assert body.forwarded_by == "kommune-820"
    assert "Aalborg Kommune (851)" in body.reason and "videresendes" in body.reason
    assert submission.person.name not in body.reason
    share = message.share
    assert (share["recipient_org"], share["message_type"], share["recipient_kind"], share["purpose"]) == (
        "kommune-851", CONCERN_FORWARDED.type, "municipal_infohus", "prevention")
    assert share["subject"]["municipality_code"] == "851" and share["necessity_reason"] == body.reason
    assert "reporter" not in share["data_classes"] and "identity" in share["data_classes"]

    [record] = await rows(runtime, ForwardingRecord)
    assert (record.concern_id, record.to_org, record.outbox_event_id, record.forwarding_id) == (
        str(accepted.concern_id), "kommune-851", message.event_id, str(body.forwarding_id))
    [entry] = await rows(runtime, ProcessingLogEntry)
    assert (entry.action, entry.subject_ref, entry.decision_id) == ("concern.forward", str(accepted.concern_id),
                                                                    "dec-1")
    # The caller took it in for their own municipality: that is what the access policy was asked.
    [asked] = runtime.policy.questions("access")  # type: ignore[attr-defined]
    assert (asked["action"], asked["resource"]["municipality_code"]) == ("concern.create", "820")
    assert runtime.relay.wakes == 1  # type: ignore[attr-defined]


async def test_a_concern_for_the_own_municipality_stays_here_in_a_district(runtime: Runtime) -> None:
    accepted = await submit_concern(runtime, caseworker(runtime),
                                    ConcernCreate.model_validate(samples.concern(municipality_code="820")), None)
    assert accepted.forwarded_to is None
    [message] = await rows(runtime, OutboxMessage)
    assert message.topic == CONCERN_RECEIVED.name
    assert len(await rows(runtime, ConcernRecord)) == 1 and await rows(runtime, ForwardingRecord) == []


async def test_a_municipality_outside_the_district_is_still_refused(runtime: Runtime) -> None:
    submission = ConcernCreate.model_validate(samples.concern(municipality_code="101"))  # København
    with pytest.raises(ForeignTenant) as refused:
        await submit_concern(runtime, caseworker(runtime), submission, None)
    assert refused.value.status == 422
    assert await rows(runtime, OutboxMessage) == [] and await rows(runtime, ForwardingRecord) == []
    assert runtime.policy.questions("access") == []  # type: ignore[attr-defined]


async def test_without_an_agreement_to_forward_the_concern_is_refused(runtime: Runtime) -> None:
    assert runtime.exchange is not None
    district = runtime.exchange.district
    runtime.exchange.district = district.model_copy(
        update={"agreements": tuple(a for a in district.agreements if a.type != CONCERN_FORWARDED.type)})
    assert forwarding_target(runtime, "851") is None
    with pytest.raises(ForeignTenant):
        await submit_concern(runtime, caseworker(runtime),
                             ConcernCreate.model_validate(samples.concern(municipality_code="851")), None)
    assert await rows(runtime, OutboxMessage) == []


async def test_a_forwarding_sent_again_with_its_key_answers_the_same_and_forwards_once(runtime: Runtime) -> None:
    body = samples.concern(municipality_code="851")
    first = await submit_concern(runtime, caseworker(runtime), ConcernCreate.model_validate(body), "tlf-9")
    again = await submit_concern(runtime, caseworker(runtime), ConcernCreate.model_validate(body), "tlf-9")
    assert again == first and first.forwarded_to == "kommune-851"
    assert len(await rows(runtime, OutboxMessage)) == 1 and len(await rows(runtime, ForwardingRecord)) == 1
    [key] = await rows(runtime, IdempotencyKey)
    assert key.concern_id == str(first.concern_id)


async def test_the_forwardings_are_listed_for_the_coordinators_without_the_concerns(runtime: Runtime) -> None:
    accepted = await submit_concern(runtime, caseworker(runtime),
                                    ConcernCreate.model_validate(samples.concern(municipality_code="851")), None)
    [listed] = await list_forwardings(runtime, caseworker(runtime))
    assert (listed.concern_id, listed.to_org) == (accepted.concern_id, "kommune-851")
    assert set(listed.model_dump()) == {"forwarding_id", "concern_id", "to_org", "forwarded_at", "outbox_event_id"}

    await list_forwardings(runtime, staff(runtime, "registration_coordinator"))
    actions = [q["action"] for q in runtime.policy.questions("access")]  # type: ignore[attr-defined]
    assert actions[-2:] == ["concern.create", "registration.list"]

    runtime.policy.allow_access = False  # type: ignore[attr-defined]
    with pytest.raises(AccessRefused):
        await list_forwardings(runtime, staff(runtime, "network_member"))
