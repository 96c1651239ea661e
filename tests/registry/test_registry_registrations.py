"""Registering a case and keeping it current: the duty-to-inform request, aggregates, the processing log."""

import json
from uuid import uuid4

import pytest
from faststream.kafka import TestKafkaBroker
from registry_fakes import case_opened, change, keeper, rows

from infohus_contracts.base.cloudevents import CloudEventAttributes
from infohus_contracts.base.topics import NETWORK_AGGREGATES
from infohus_contracts.case.events import CaseClosed, InitialAssessmentMade
from infohus_contracts.case.notifications import NotificationRequested
from infohus_contracts.case.topics import CASE_EVENTS, NOTIFY_REQUESTS
from infohus_platform.audit.processing_log import ProcessingLogEntry
from infohus_platform.errors import MalformedEvent, NotFound
from infohus_platform.messaging.outbox import OutboxMessage, ProcessedEvent
from infohus_registry.handlers import register_handlers
from infohus_registry.schemas import RegistrationEntryPublic, RegistrationPublic
from infohus_registry.service.registrations import (
    apply_case_change,
    list_registrations,
    read_registration,
    record_case_event,
    register_case,
)
from infohus_registry.service.statistics import publish_due_aggregates
from infohus_registry.storage import AggregateDue, Registration

ADDRESSING_KEY = "MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY="  # 32 bytes, base64


def on(messages: list[OutboxMessage], topic) -> list[OutboxMessage]:
    return [m for m in messages if m.topic == topic.name]


async def test_registering_a_case_stages_the_duty_to_inform_request_and_aggregates(runtime, monkeypatch):
    monkeypatch.setenv("INFOHUS_ADDRESSING_KEY", ADDRESSING_KEY)
    opened = case_opened(age=16)
    concern_id = str(opened.concern.concern_id)
    async with runtime.db.session() as session:
        await register_case(runtime, session, opened)
        await session.commit()
    # The month's aggregates are only marked due; the job stages them, once for the month.
    assert not on(await rows(runtime, OutboxMessage), NETWORK_AGGREGATES)
    assert [(d.municipality_code, d.period) for d in await rows(runtime, AggregateDue)] == [
        ("820", opened.concern.received_at.strftime("%Y-%m"))]
    assert await publish_due_aggregates(runtime) == 1
    assert await rows(runtime, AggregateDue) == []
    assert runtime.relay.wakes == 1  # type: ignore[attr-defined]

    [registration] = await rows(runtime, Registration)
    assert (registration.concern_id, registration.case_id) == (concern_id, str(opened.case_id))
    assert (registration.age_band, registration.lead, registration.controller) == ("15-17", "ssp_coordinator",
                                                                                  "kommune-820")
    assert registration.sender == "Aars Skole" and registration.description == opened.concern.description

    messages = await rows(runtime, OutboxMessage)
    [notice] = on(messages, NOTIFY_REQUESTS)
    request = NotificationRequested.model_validate_json(notice.body)
    assert (request.kind, request.concern_id, request.municipality_code) == ("duty_to_inform",
                                                                           opened.concern.concern_id, "820")
    assert request.addressing is not None  # sealed: only notify opens it
    assert opened.concern.person.name not in notice.body
    assert (notice.key, notice.share["purpose"], notice.share["recipient_kind"]) == (concern_id, "duty_to_inform",
                                                                                   "internal")

    aggregates = [json.loads(m.body) for m in on(messages, NETWORK_AGGREGATES)]
    assert {(a["metric"], a["dimension_value"]) for a in aggregates} == {
        ("concerns_received", None), ("source_category", registration.source_category), ("age_band", "15-17")}
    assert all(a["suppressed"] and a["count"] is None for a in aggregates)  # one concern: below k
    assert all(m.share["purpose"] == "statistics" and m.share["recipient_kind"] == "network"
               for m in on(messages, NETWORK_AGGREGATES))

    [entry] = await rows(runtime, ProcessingLogEntry)
    assert (entry.action, entry.subject_ref, entry.actor) == ("registration.create", concern_id, "service:registry")


async def test_without_an_addressing_key_the_notice_is_still_requested(runtime, monkeypatch):
    monkeypatch.delenv("INFOHUS_ADDRESSING_KEY", raising=False)
    async with runtime.db.session() as session:
        await register_case(runtime, session, case_opened())
        await session.commit()
    [notice] = on(await rows(runtime, OutboxMessage), NOTIFY_REQUESTS)
    assert NotificationRequested.model_validate_json(notice.body).addressing is None


async def test_a_redelivered_opening_registers_nothing_twice(runtime):
    opened = case_opened()
    for _ in range(2):
        async with runtime.db.session() as session:
            await register_case(runtime, session, opened)
            await session.commit()
    assert len(await rows(runtime, Registration)) == 1
    assert len(on(await rows(runtime, OutboxMessage), NOTIFY_REQUESTS)) == 1


async def test_a_case_change_updates_the_registration_logs_it_and_stages_what_changed(runtime):
    runtime.policy.k = 2  # type: ignore[attr-defined]
    opened = [case_opened(), case_opened()]
    async with runtime.db.session() as session:
        for event in opened:
            await register_case(runtime, session, event)
        await session.commit()
    assert await publish_due_aggregates(runtime) == 1  # two registrations of one month: one staging

    async def assess_unfounded(case) -> list[tuple]:
        before = len(on(await rows(runtime, OutboxMessage), NETWORK_AGGREGATES))
        event = InitialAssessmentMade(**change(case), approach="internal", outcome="unfounded", stage="closed")
        async with runtime.db.session() as session:
            await apply_case_change(runtime, session, event)
            await session.commit()
        await publish_due_aggregates(runtime)
        staged = on(await rows(runtime, OutboxMessage), NETWORK_AGGREGATES)[before:]
        return [(a["metric"], a["dimension_value"], a["count"], a["suppressed"]) for a in map(json.loads,
                                                                                           (m.body for m in staged))]

    # Only the changed cell is staged: one unfounded outcome is below k, so it goes suppressed; then it shows.
    assert await assess_unfounded(opened[0]) == [("outcome", "unfounded", None, True)]
    assert await assess_unfounded(opened[1]) == [("outcome", "unfounded", 2, False)]
    first = str(opened[0].concern.concern_id)
    registration = next(r for r in await rows(runtime, Registration) if r.concern_id == first)
    assert registration.outcome == "unfounded" and registration.closed_at is not None
    actions = [e.action for e in await rows(runtime, ProcessingLogEntry)]
    assert actions == ["registration.create"] * 2 + ["registration.update:case.initial_assessment_made"] * 2


async def test_a_case_event_for_an_unknown_concern_is_malformed(runtime):
    event = CaseClosed(**change(case_opened()), reason="Lukket.")
    async with runtime.db.session() as session:
        with pytest.raises(MalformedEvent):
            await apply_case_change(runtime, session, event)


async def test_an_erased_registration_is_not_brought_back_by_a_late_event(runtime):
    opened = case_opened()
    async with runtime.db.session() as session:
        await register_case(runtime, session, opened)
        registration = await session.get(Registration, str(opened.concern.concern_id))
        registration.erased_at = registration.updated_at
        session.add(registration)
        await session.commit()
    async with runtime.db.session() as session:
        await apply_case_change(runtime, session, CaseClosed(**change(opened), reason="Lukket."))
        await session.commit()
    [registration] = await rows(runtime, Registration)
    assert registration.closed_at is None
    assert [e.action for e in await rows(runtime, ProcessingLogEntry)] == ["registration.create"]


async def test_the_handler_records_a_case_event_once_with_the_policy_k(runtime):
    register_handlers(runtime)
    runtime.policy.k = 7  # not the settings' default (5): the policy's k is the one used
    opened = case_opened()
    attributes = CloudEventAttributes(id="ev-1", source="/infohus/kommune-820/assessment",
                                      type=CASE_EVENTS.event_type(opened), time=opened.opened_at)
    async with TestKafkaBroker(runtime.broker) as broker:
        for _ in range(2):
            await broker.publish(opened.model_dump(mode="json"), CASE_EVENTS.name, headers=attributes.to_headers())

    assert len(await rows(runtime, Registration)) == 1
    assert [e.event_id for e in await rows(runtime, ProcessedEvent)] == ["ev-1"]
    assert runtime.relay.wakes == 1
    await publish_due_aggregates(runtime)
    aggregates = [json.loads(m.body) for m in on(await rows(runtime, OutboxMessage), NETWORK_AGGREGATES)]
    assert aggregates and {(a["k"], a["suppressed"]) for a in aggregates} == {(7, True)}


async def test_record_case_event_opens_then_updates(runtime):
    opened = case_opened()
    async with runtime.db.session() as session:
        await record_case_event(runtime, session, opened)
        await record_case_event(runtime, session, CaseClosed(**change(opened), reason="Ingen grund til bekymring."))
        await session.commit()
    [registration] = await rows(runtime, Registration)
    assert registration.closed_at is not None


async def test_the_list_holds_identifying_fields_only_and_every_entry_is_a_logged_read(runtime):
    opened = [case_opened(), case_opened(), case_opened(municipality_code="851")]
    async with runtime.db.session() as session:
        for event in opened:
            await register_case(runtime, session, event)
        await session.commit()

    listed = await list_registrations(runtime, keeper(runtime), period=None, open_only=True, limit=10)
    assert all(isinstance(entry, RegistrationEntryPublic) for entry in listed)
    assert {e.concern_id for e in listed} == {str(o.concern.concern_id) for o in opened[:2]}  # own municipality
    [entry] = [e for e in listed if e.concern_id == str(opened[0].concern.concern_id)]
    async with runtime.db.session() as session:
        row = await session.get(Registration, entry.concern_id)
    # The same JSON as the registration's listed fields, key for key.
    listed_fields = set(RegistrationEntryPublic.model_fields)
    assert entry.model_dump(mode="json") == row.model_dump(mode="json", include=listed_fields)
    assert list(entry.model_dump()) == [name for name in Registration.model_fields
                                        if name in RegistrationEntryPublic.model_fields]
    reads = [e for e in await rows(runtime, ProcessingLogEntry) if e.action == "registration.list"]
    assert sorted(e.subject_ref for e in reads) == sorted(e.concern_id for e in listed)
    assert reads[0].data_classes == ["identity", "process", "special_category"]  # the concern level


async def test_one_registration_is_read_whole_or_not_found(runtime):
    opened = case_opened()
    async with runtime.db.session() as session:
        await register_case(runtime, session, opened)
        await session.commit()
    found = await read_registration(runtime, keeper(runtime), opened.concern.concern_id)
    assert isinstance(found, RegistrationPublic) and found.concern_signs == opened.concern.model_dump(
        mode="json")["concern_signs"]
    [row] = await rows(runtime, Registration)
    assert found.model_dump(mode="json") == row.model_dump(mode="json")
    with pytest.raises(NotFound) as missing:
        await read_registration(runtime, keeper(runtime), uuid4())
    assert (missing.value.status, missing.value.detail) == (404, "no registration for that concern")


async def test_a_registration_the_caller_may_not_see_is_not_found_like_an_unknown_one(runtime, monkeypatch):
    """Decide, then look up (issue 12): the policy here allows a registration only in the caller's municipality."""
    opened = case_opened(municipality_code="820")
    async with runtime.db.session() as session:
        await register_case(runtime, session, opened)
        await session.commit()
    answer = runtime.policy.access

    async def same_municipality(input_data):
        decision = await answer(input_data)
        allowed = input_data["resource"]["municipality_code"] == input_data["subject"]["municipality_code"]
        return decision if allowed else type(decision)(False, ["another municipality"], decision_id="denied-1")

    monkeypatch.setattr(runtime.policy, "access", same_municipality)
    stranger = keeper(runtime, municipality="851")
    with pytest.raises(NotFound) as foreign:
        await read_registration(runtime, stranger, opened.concern.concern_id)
    with pytest.raises(NotFound) as unknown:
        await read_registration(runtime, stranger, uuid4())
    assert (foreign.value.status, foreign.value.detail) == (unknown.value.status, unknown.value.detail)
    # Asked first on the caller's own municipality, then on the registration's; the refusal is logged.
    assert [q["resource"]["municipality_code"] for q in runtime.policy.questions("access")][:2] == ["851", "820"]
    [denied] = [e for e in await rows(runtime, ProcessingLogEntry) if e.outcome == "denied"]
    assert (denied.actor, denied.subject_ref, denied.action) == (stranger.principal.user_id,
                                                                 str(opened.concern.concern_id), "registration.read")
    assert (await read_registration(runtime, keeper(runtime), opened.concern.concern_id)).municipality_code == "820"
