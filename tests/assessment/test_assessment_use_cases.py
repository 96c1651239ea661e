"""Assessment's use cases over a per-test SQLite database and a fake policy: what each step stores,
stages in the outbox and writes in the processing log."""

from collections.abc import AsyncIterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from assessment_fakes import assessment_runtime, logged, received, rows, staff, staged

from infohus_assessment.schemas import (
    AssessmentCreate,
    CaseCloseCreate,
    DecisionCreate,
    EnrichmentRequestCreate,
    FollowUpCreate,
    InitialAssessmentCreate,
    MeetingCreate,
)
from infohus_assessment.service import assessments, cases, decisions, enrichment, follow_up, meetings
from infohus_assessment.service.daily_jobs import run_daily
from infohus_assessment.service.initial_assessment import make_initial_assessment
from infohus_assessment.storage import Case, EnrichmentRequest
from infohus_contracts.case.topics import CASE_EVENTS, NOTIFY_REQUESTS
from infohus_platform.audit.erasure import ErasureProof, concern_ref
from infohus_platform.errors import NotFound, RuleViolation, ShareRefused
from infohus_platform.runtime import Runtime

DIMENSION = "convictions_rhetoric"


@pytest.fixture
async def runtime(tmp_path: Path) -> AsyncIterator[Runtime]:
    async for runtime in assessment_runtime(tmp_path):
        yield runtime


async def open_case(runtime: Runtime, **concern) -> Case:
    async with runtime.db.session() as session:
        case = await cases.open_case_for_concern(runtime, session, received(**concern))
        await session.commit()
    assert case is not None
    return case


async def upheld(runtime: Runtime, **concern) -> Case:
    case = await open_case(runtime, **concern)
    await make_initial_assessment(runtime, staff(runtime), case.case_id,
                                  InitialAssessmentCreate(approach="internal", outcome="upheld"))
    return case


def types(messages) -> list[str]:
    return [m.headers["ce_type"] for m in messages]


async def test_a_received_concern_opens_a_case_stages_case_opened_and_logs_the_access(runtime):
    case = await open_case(runtime, age=16)

    [message] = await staged(runtime)
    assert message.topic == CASE_EVENTS.name and message.key == case.concern_id
    assert message.headers["ce_type"] == "dk.infohus.case.opened.v1"
    assert message.share["recipient_kind"] == "internal" and message.share["subject"]["age"] == 16
    [entry] = await logged(runtime, "case.open")
    assert (entry.actor, entry.subject_ref, entry.purpose) == ("service:assessment", case.concern_id, "prevention")
    assert case.stage == "received" and case.lead == "ssp_coordinator" and case.person_key


async def test_a_concern_opens_one_case_and_an_erased_one_none(runtime):
    concern = received(age=30)
    async with runtime.db.session() as session:
        first = await cases.open_case_for_concern(runtime, session, concern)
        again = await cases.open_case_for_concern(runtime, session, concern)
        erased = received()
        session.add(ErasureProof(concern_ref=concern_ref(str(erased.concern_id)), service="assessment", rule="P1",
                                 erased_at=datetime.now(UTC), rows_deleted=1))
        none = await cases.open_case_for_concern(runtime, session, erased)
        await session.commit()
    assert first is not None and first.lead == "local_police"
    assert again is None and none is None
    assert len(await rows(runtime, Case)) == 1 and len(await staged(runtime)) == 1
    assert len(await logged(runtime, "case.open")) == 1


async def test_the_initial_assessment_moves_the_case_on_in_one_logged_transaction(runtime):
    case = await open_case(runtime)
    guard = staff(runtime)
    answer = await make_initial_assessment(runtime, guard, case.case_id,
                                           InitialAssessmentCreate(approach="internal", outcome="upheld"))

    assert answer.stage == "enrichment" and answer.case_id == case.case_id and answer.under_18
    assert types(await staged(runtime))[-1] == "dk.infohus.case.initial_assessment_made.v1"
    [entry] = await logged(runtime, "case.initial_assessment")
    assert entry.actor == "u-ssp_coordinator" and entry.subject_ref == case.concern_id
    assert runtime.relay.wakes == 1  # type: ignore[attr-defined]
    with pytest.raises(RuleViolation, match="already been made"):
        await make_initial_assessment(runtime, guard, case.case_id,
                                      InitialAssessmentCreate(approach="internal", outcome="upheld"))


async def test_an_imminent_risk_closes_the_case_and_sends_it_to_police(runtime):
    case = await open_case(runtime)
    answer = await make_initial_assessment(runtime, staff(runtime), case.case_id,
                                           InitialAssessmentCreate(approach="internal", outcome="imminent_risk"))
    assert answer.stage == "closed" and answer.urgent
    [stored] = await rows(runtime, Case)
    assert stored.forwarded_to == "police" and stored.close_reason == "imminent_risk"


async def test_an_enrichment_request_refused_by_the_policy_raises_share_refused_and_stages_nothing(runtime):
    case = await upheld(runtime)
    before = await staged(runtime)
    runtime.policy.allow_share = False  # type: ignore[attr-defined]

    with pytest.raises(ShareRefused) as refused:
        await enrichment.request_enrichment(runtime, staff(runtime), case.case_id, EnrichmentRequestCreate(
            authority="psychiatry", necessity_reason="needs the diagnosis", deadline=date.today() + timedelta(days=7),
            data_classes=["identity", "special_category"]))

    assert refused.value.reasons == ["no legal basis for that share"]
    assert refused.value.decision_id == "share-denied"
    assert len(await staged(runtime)) == len(before)
    assert await rows(runtime, EnrichmentRequest) == []
    assert await logged(runtime, "case.enrichment.request") == []


async def test_an_allowed_enrichment_request_is_stored_with_the_share_decision(runtime):
    case = await upheld(runtime, age=16)
    deadline = date.today() + timedelta(days=10)
    request = await enrichment.request_enrichment(
        runtime, staff(runtime), case.case_id, EnrichmentRequestCreate(
            authority="local_police", necessity_reason="known to police?", deadline=deadline))

    [question] = runtime.policy.questions("share")  # type: ignore[attr-defined]
    assert question["recipient"] == {"kind": "local_police", "org": "politikreds-nordjylland"}
    assert question["acting_role"] == "ssp_coordinator" and question["data_classes"] == ["identity", "process"]
    assert question["subject"]["age"] == 16
    assert request.share_decision_id == "share-1" and request.legal_basis == ["rpl_115"]
    assert request.remind_on == deadline - timedelta(days=3) and request.status == "requested"
    assert types(await staged(runtime))[-1] == "dk.infohus.case.enrichment_requested.v1"
    assert len(await logged(runtime, "case.enrichment.request")) == 1


async def test_an_authority_sees_whom_its_request_is_about_only_when_identity_was_shared(runtime):
    case = await upheld(runtime)
    for classes in (["identity", "process"], ["process"]):
        await enrichment.request_enrichment(runtime, staff(runtime), case.case_id, EnrichmentRequestCreate(
            authority="psychiatry", necessity_reason="why", deadline=date.today() + timedelta(days=5),
            data_classes=classes))
    caseworker = staff(runtime, "authority_caseworker", authority="psychiatry")

    listed = await enrichment.list_enrichment_requests(runtime, caseworker)

    with_person = [item for item in listed if "person" in item.model_fields_set]
    assert len(listed) == 2 and len(with_person) == 1
    assert with_person[0].person is not None and with_person[0].person.name
    # The list itself (no one person), then the read of the identity OPA allowed for the one request.
    # Entries are appended to one of 16 chains, so ``seq`` orders only within a chain: compare without order.
    entries = await logged(runtime, "enrichment.list")
    assert sorted((e.decision_id, e.subject_ref or "") for e in entries) == [("access-1", ""),
                                                                            ("share-1", case.concern_id)]


async def test_an_answer_is_recorded_once(runtime):
    case = await upheld(runtime)
    request = await enrichment.request_enrichment(runtime, staff(runtime), case.case_id, EnrichmentRequestCreate(
        authority="psychiatry", necessity_reason="why", deadline=date.today() + timedelta(days=5)))
    caseworker = staff(runtime, "authority_caseworker", authority="psychiatry")
    body = enrichment.EnrichmentAnswerCreate(answer="known, in treatment")

    answered = await enrichment.answer_enrichment(runtime, caseworker, request.request_id, body)

    assert answered.status == "answered" and answered.answered_by == "u-authority_caseworker"
    assert types(await staged(runtime))[-1] == "dk.infohus.case.enrichment_answered.v1"
    with pytest.raises(RuleViolation, match="already been answered"):
        await enrichment.answer_enrichment(runtime, caseworker, request.request_id, body)
    with pytest.raises(NotFound) as missing:
        await enrichment.answer_enrichment(runtime, caseworker, case.case_id, body)
    assert missing.value.detail == "no such request"


async def test_unknown_cases_are_not_found_with_the_old_details(runtime):
    guard = staff(runtime)
    with pytest.raises(NotFound) as by_id:
        await cases.read_case(runtime, guard, received().concern_id)
    assert by_id.value.detail == "no such case"
    with pytest.raises(NotFound) as by_concern:
        await cases.case_by_concern(runtime, guard, received().concern_id)
    assert by_concern.value.detail == "no case for that concern"


async def test_a_serious_assessment_needs_leadership_before_the_effort_starts(runtime):
    case = await upheld(runtime)
    guard = staff(runtime)
    assessed = await assessments.assess(runtime, guard, case.case_id, AssessmentCreate(
        dimensions=[{"dimension": DIMENSION, "tag": "risk", "note": "talks of violence"}], concern_level="hoej",
        security_aspect="s", social_aspect="t"))
    decided = await decisions.decide(runtime, guard, case.case_id, DecisionCreate(
        effort_level="intervening", measures=["mentor"], report_to_pet=True))

    assert assessed.concern_level == "hoej" and assessed.dimensions[0].dimension == DIMENSION
    assert decided.stage == "decision" and decided.approval == "pending" and decided.pet_status == "awaiting_signoff"
    notices = [m for m in await staged(runtime) if m.topic == NOTIFY_REQUESTS.name]
    assert len(notices) == 1 and notices[0].key == case.concern_id

    approved = await decisions.approve(runtime, staff(runtime, "leadership"), case.case_id, decided.decision_id)
    assert approved.stage == "effort" and approved.next_follow_up is not None
    with pytest.raises(RuleViolation, match="second person"):
        await decisions.sign_off_pet(runtime, guard, case.case_id, decided.decision_id)
    await decisions.sign_off_pet(runtime, staff(runtime, user="u-other"), case.case_id, decided.decision_id)
    assert types(await staged(runtime))[-1] == "dk.infohus.case.pet_report_signed_off.v1"
    with pytest.raises(NotFound) as missing:
        await decisions.sign_off_pet(runtime, guard, case.case_id, case.case_id)
    assert missing.value.detail == "no such decision on this case"


async def test_deciding_needs_an_assessment_and_a_follow_up_answers_with_the_case(runtime):
    case = await upheld(runtime)
    guard = staff(runtime)
    with pytest.raises(RuleViolation, match="before deciding"):
        await decisions.decide(runtime, guard, case.case_id, DecisionCreate(effort_level="general",
                                                                           measures=["mentor"]))
    await assessments.assess(runtime, guard, case.case_id, AssessmentCreate(
        dimensions=[{"dimension": DIMENSION, "tag": "resource", "note": "football"}], concern_level="lav",
        security_aspect="s", social_aspect="t"))
    decided = await decisions.decide(runtime, guard, case.case_id, DecisionCreate(
        effort_level="general", measures=["mentor"], follow_up_cadence="biweekly"))
    assert decided.stage == "effort" and decided.approval == "not_required"

    answer = await follow_up.record_follow_up(runtime, guard, case.case_id, FollowUpCreate(note="going well"))
    assert answer.stage == "follow_up" and answer.next_follow_up == date.today() + timedelta(days=14)

    closed = await cases.close_case(runtime, guard, case.case_id, CaseCloseCreate(reason="done"))
    assert closed.stage == "closed" and closed.next_follow_up is None
    history = await cases.case_history(runtime, guard, case.case_id)
    assert [h.type for h in history] == [
        "dk.infohus.case.opened.v1", "dk.infohus.case.initial_assessment_made.v1", "dk.infohus.case.assessed.v1",
        "dk.infohus.case.decided.v1", "dk.infohus.case.follow_up_recorded.v1", "dk.infohus.case.closed.v1"]
    assert history[-1].event["reason"] == "done"


async def test_the_daily_jobs_hand_over_at_18_once(runtime):
    case = await open_case(runtime, age=17)
    later = date.today() + timedelta(days=400)

    first = await run_daily(runtime, later)
    again = await run_daily(runtime, later)

    assert first.handed_over == 1 and again.handed_over == 0
    [stored] = await rows(runtime, Case)
    assert stored.case_id == case.case_id and stored.lead == "local_police"
    assert "dk.infohus.case.lead_changed.v1" in types(await staged(runtime))


async def test_an_urgent_meeting_needs_a_date_and_a_regular_one_gets_an_agenda(runtime):
    await open_case(runtime)
    coordinator = staff(runtime)
    with pytest.raises(RuleViolation, match="required for an urgent"):
        await meetings.convene_meeting(runtime, coordinator, MeetingCreate(kind="urgent"))

    meeting = await meetings.convene_meeting(runtime, coordinator, MeetingCreate(kind="regular"))

    assert meeting.scheduled_for > datetime.now(UTC) and len(meeting.agenda) == 1
    assert [m.meeting_id for m in await meetings.list_meetings(runtime, coordinator)] == [meeting.meeting_id]
    assert [m.topic for m in await staged(runtime)][-1] == NOTIFY_REQUESTS.name
