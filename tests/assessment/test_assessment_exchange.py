"""Assessment's flows between the organisations of a district, each at both ends: a use case stages a message in
one instance's outbox; the test signs it with the sender's key as the relay does and hands the record to the
receiving instance's exchange receiver (signature, agreement, schema, its policy, the handler, the receipt), each
instance with a database, settings and key of its own. The whole path over the brokers is the lead's district test."""

import json
from collections.abc import AsyncIterator, Callable
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any
from uuid import UUID, uuid4

import pytest
from aiokafka import ConsumerRecord
from assessment_fakes import logged, received, rows, staff, staged
from faststream.kafka import TestKafkaBroker

from fakes import FakePolicy, district_settings, join_district, service_runtime
from infohus_assessment import domain
from infohus_assessment.handlers import register_handlers
from infohus_assessment.schemas import (
    AssessmentCreate,
    DecisionCreate,
    EnrichmentAnswerCreate,
    EnrichmentRequestCreate,
    InitialAssessmentCreate,
)
from infohus_assessment.service import cases, decisions, enrichment, known_elsewhere, pet_reports
from infohus_assessment.service.daily_jobs import run_daily
from infohus_assessment.service.initial_assessment import make_initial_assessment
from infohus_assessment.settings import AssessmentSettings
from infohus_assessment.storage import (
    TABLES,
    Case,
    EffortDecision,
    EnrichmentRequest,
    IncomingEnrichmentRequest,
    IndexEntry,
    IndexHitNotice,
    IndexLookup,
    PetReport,
)
from infohus_contracts.base.cloudevents import CloudEventAttributes
from infohus_contracts.base.district import District
from infohus_contracts.case.events import PersonErased
from infohus_contracts.case.exchange import (
    CASE_EXCHANGE_TYPES,
    CONCERN_FORWARDED,
    ConcernForwarded,
)
from infohus_contracts.case.topics import ERASURE
from infohus_platform.auth import Guard, Principal
from infohus_platform.errors import NotFound, RuleViolation
from infohus_platform.exchange.inbound import ExchangeInbound
from infohus_platform.exchange.outbound import stage_exchange
from infohus_platform.exchange.receipts import ExchangeReceipt
from infohus_platform.messaging.outbox import OutboxMessage, Share
from infohus_platform.runtime import Runtime
from infohus_tools.district import STANDARD_AGREEMENTS

POLICE, K820, K851 = "politi-nordjylland", "kommune-820", "kommune-851"
DIMENSION = "convictions_rhetoric"


Member = Callable[[str], Any]


@pytest.fixture
async def member(district_dir: Path, tmp_path: Path) -> AsyncIterator[Member]:
    """``await member(org)``: that organisation's assessment, a member of the district, over its own database."""
    made: list[AsyncIterator[Runtime]] = []

    async def make(org: str) -> Runtime:
        settings = district_settings(AssessmentSettings, tmp_path / org, district_dir, org,
                                     infohus_regime="rhl" if org == POLICE else "gdpr",
                                     district_index_key=(district_dir / "index-key").read_text().strip())
        (tmp_path / org).mkdir(exist_ok=True)
        runtimes = service_runtime(settings, TABLES, policy=FakePolicy(only=("access", "share", "exchange_accept")))
        made.append(runtimes)
        runtime = join_district(await runtimes.__anext__())
        register_handlers(runtime)
        return runtime

    yield make
    for runtimes in made:
        with pytest.raises(StopAsyncIteration):
            await runtimes.__anext__()



async def deliver(sender: Runtime, row: OutboxMessage, receiver: Runtime,
                  decision_id: str = "share-at-sender") -> list[tuple[str, str]]:
    """What the relay and the exchange cluster do: the sender signs the row with its decision in the headers; the
    receiver checks and handles it. Returns the refusals (code, reason), empty when it was accepted."""
    assert sender.exchange is not None and receiver.exchange is not None
    body = row.body.encode()
    headers = sender.exchange.outgoing_headers(row.headers, body, decision_id, "test")
    record = ConsumerRecord(row.topic, 0, 1, 0, 0, row.key.encode(), body, None, len(row.key), len(body),
                            [(k, v.encode()) for k, v in headers.items()])
    inbound = ExchangeInbound(receiver, receiver.exchange)
    refusals: list[tuple[str, str]] = []

    async def refuse(record: Any, headers: Any, sender: str, code: str, reason: str) -> None:
        refusals.append((code, reason))

    inbound.refuse = refuse  # type: ignore[method-assign]  # the dead-letter publish needs a running broker
    await inbound.one(record)
    return refusals


async def outgoing(runtime: Runtime, message_type: str) -> list[OutboxMessage]:
    return [m for m in await staged(runtime) if m.headers.get("ce_type") == message_type]


def x(name: str) -> str:
    return f"dk.infohus.x.{name}.v1"


def police_staff(runtime: Runtime, *roles: str, user: str | None = None, **claims: Any) -> Guard:
    return Guard(runtime, Principal(user_id=user or f"u-pol-{roles[0]}", roles=list(roles), org=POLICE,
                                    municipality_code=None, police_district="nordjylland", **claims))


async def upheld(runtime: Runtime, **concern: Any) -> Case:
    async with runtime.db.session() as session:
        case = await cases.open_case_for_concern(runtime, session, received(**concern))
        await session.commit()
    assert case is not None
    await make_initial_assessment(runtime, staff(runtime), case.case_id,
                                  InitialAssessmentCreate(approach="internal", outcome="upheld"))
    return case


async def opened(runtime: Runtime, **concern: Any) -> Case:
    async with runtime.db.session() as session:
        case = await cases.open_case_for_concern(runtime, session, received(**concern))
        await session.commit()
    assert case is not None
    return case


# --- the catalogue ------------------------------------------------------------------------------------------

def test_every_case_type_is_agreed_received_by_assessment_and_classified_within_its_agreement() -> None:
    from infohus_contracts.base.classes import field_classes

    agreed = {a["type"]: set(a["data_classes"]) for a in STANDARD_AGREEMENTS}
    for message in CASE_EXCHANGE_TYPES:
        classes = field_classes(message.schema)
        assert None not in classes.values(), f"{message.type}: unclassified fields"
        assert message.receiver == "assessment" and message.type in agreed
        if message is not CONCERN_FORWARDED:  # the forwarded concern is intake's (B2)
            assert {c.value for c in classes.values() if c} <= agreed[message.type], message.type


def test_the_pseudonym_is_a_keyed_hmac_of_the_cpr_number() -> None:
    first = domain.pseudonym("0101104234", b"k" * 32)
    assert len(first) == 64 and first == domain.pseudonym("0101104234", b"k" * 32)
    assert first != domain.pseudonym("0101104234", b"j" * 32) and first != domain.pseudonym("0101104235", b"k" * 32)
    assert "0101104234" not in first


def test_whom_to_contact_is_every_other_holder_once_never_the_asker() -> None:
    assert domain.contact_orgs([K851, POLICE, K851, K820], K820) == [K851, POLICE]
    assert domain.contact_orgs([K820], K820) == []


# --- 1. a forwarded concern -----------------------------------------------------------------------------------

def forwarded(by: str, **concern: Any) -> ConcernForwarded:
    return ConcernForwarded(forwarding_id=uuid4(), forwarded_by=by, reason="Personen bor i Vesthimmerland",
                            concern=received(anonymous=True, **concern))


def stage_forward(sender: Runtime, body: ConcernForwarded, to: str) -> Any:
    async def run() -> OutboxMessage:
        async with sender.db.session() as session:
            row = stage_exchange(session, sender.settings, recipient_org=to, message=CONCERN_FORWARDED, body=body,
                                 key=str(body.concern.concern_id),
                                 share=Share.of(body, "municipal_infohus", "prevention",
                                                subject={"municipality_code": body.concern.municipality_code}))
            await session.commit()
        return row
    return run()


async def test_a_forwarded_concern_opens_a_case_in_the_municipality_that_serves_it(member: Member) -> None:
    k851, k820 = await member(K851), await member(K820)
    body = forwarded(K851, municipality_code="820")
    row = await stage_forward(k851, body, K820)

    assert await deliver(k851, row, k820) == []

    [case] = await rows(k820, Case)
    assert (case.concern_id, case.origin, case.origin_org) == (str(body.concern.concern_id), "forwarded", K851)
    assert case.stage == "received" and case.municipality_code == "820"
    assert [m.headers["ce_type"] for m in await staged(k820)][:1] == ["dk.infohus.case.opened.v1"]
    [entry] = await logged(k820, "case.open")
    assert entry.actor == f"org:{K851}" and entry.subject_ref == case.concern_id
    [receipt] = await rows(k820, ExchangeReceipt)
    assert (receipt.sender_org, receipt.sender_decision_id) == (K851, "share-at-sender")
    summary = await cases.case_by_concern(k820, staff(k820), body.concern.concern_id)
    assert (summary.origin, summary.origin_org) == ("forwarded", K851)


async def test_a_forwarded_concern_for_a_municipality_not_served_or_from_another_sender_is_refused(
    member: Member,
) -> None:
    k851, k820 = await member(K851), await member(K820)
    for body in (forwarded(K851, municipality_code="851"), forwarded(POLICE, municipality_code="820")):
        row = await stage_forward(k851, body, K820)
        [(code, reason)] = await deliver(k851, row, k820)
        assert code == "rule" and ("serve" in reason or "sender" in reason)
    assert await rows(k820, Case) == [] and await rows(k820, ExchangeReceipt) == []


# --- 2. § 115 enrichment from the police district --------------------------------------------------------------

async def test_an_enrichment_request_to_the_police_is_answered_there_and_the_answer_comes_back(
    member: Member,
) -> None:
    k820, police = await member(K820), await member(POLICE)
    case = await upheld(k820, age=16)
    deadline = date.today() + timedelta(days=10)
    request = await enrichment.request_enrichment(k820, staff(k820), UUID(case.case_id), EnrichmentRequestCreate(
        authority="local_police", necessity_reason="Er personen kendt af politiet?", deadline=deadline,
        question="Har politiet kendskab til personens omgangskreds?"))

    [local] = k820.policy.questions("share")  # type: ignore[attr-defined]
    assert local["recipient"]["org"] == POLICE and local["data_classes"] == ["identity", "narrative", "process"]
    [row] = await outgoing(k820, x("enrichment_requested"))
    assert row.topic == f"infohus.x.{K820}.{POLICE}.v1" and request.recipient_org == POLICE
    assert row.share["recipient_kind"] == "local_police" and row.share["recipient_org"] == POLICE
    assert row.share["subject"] == {"municipality_code": "820", "age": 16} and row.share["case_stage"] == "enrichment"
    assert row.share["data_classes"] == ["identity", "narrative", "process"]
    assert request.sent is not None and request.sent.event_id == row.event_id and request.sent.status == "pending"
    sent = json.loads(row.body)
    assert sent["request_id"] == request.request_id and sent["person"]["cpr"] and "description" not in sent

    assert await deliver(k820, row, police) == []

    [incoming] = await rows(police, IncomingEnrichmentRequest)
    assert (incoming.origin_org, incoming.origin_request_id, incoming.status) == (K820, request.request_id,
                                                                                  "requested")
    caseworker = police_staff(police, "authority_caseworker", authority="local_police")
    [listed] = await enrichment.list_enrichment_requests(police, caseworker)
    assert listed.origin_org == K820 and listed.case_id is None and listed.person is not None
    assert listed.share_decision_id == "share-at-sender" and listed.question
    assert await enrichment.list_enrichment_requests(
        police, police_staff(police, "authority_caseworker", authority="psychiatry")) == []

    answered = await enrichment.answer_enrichment(police, caseworker, UUID(incoming.request_id),
                                                  EnrichmentAnswerCreate(answer="Kendt fra to sager i 2025."))
    assert answered.status == "answered"
    [back] = await outgoing(police, x("enrichment_answered"))
    assert back.share["recipient_kind"] == "municipal_infohus" and back.share["recipient_org"] == K820
    assert back.share["subject"] == {"municipality_code": "820"} and back.share["necessity_reason"]
    with pytest.raises(RuleViolation, match="already been answered"):
        await enrichment.answer_enrichment(police, caseworker, UUID(incoming.request_id),
                                           EnrichmentAnswerCreate(answer="igen"))

    assert await deliver(police, back, k820, decision_id="share-at-police") == []

    [stored] = await rows(k820, EnrichmentRequest)
    assert (stored.status, stored.answer, stored.answered_by) == ("answered", "Kendt fra to sager i 2025.",
                                                                  f"org:{POLICE}")
    detail = await enrichment.request_public(k820, stored)
    assert detail.answer_receipt is not None and detail.answer_receipt.share_decision_id == "share-at-police"
    assert detail.answer_receipt.accept_decision_id == "share-1"  # the receiver's (fake) accept decision
    assert "dk.infohus.case.enrichment_answered.v1" in [m.headers["ce_type"] for m in await staged(k820)]
    # The same answer again is the platform's duplicate (nothing happens); a second answer is refused.
    assert await deliver(police, back, k820) == []
    again = back.model_copy(update={"event_id": str(uuid4()), "headers": back.headers | {"ce_id": str(uuid4())}})
    [(code, reason)] = await deliver(police, again, k820)
    assert code == "rule" and "already been answered" in reason


async def test_without_a_police_org_in_reach_enrichment_of_local_police_stays_as_it_was(member: Member,
                                                                                       tmp_path: Path) -> None:
    k820 = await member(K820)
    k820.exchange = None  # stand-alone
    case = await upheld(k820)
    await enrichment.request_enrichment(k820, staff(k820), UUID(case.case_id), EnrichmentRequestCreate(
        authority="local_police", necessity_reason="known to police?", deadline=date.today() + timedelta(days=5)))
    assert await outgoing(k820, x("enrichment_requested")) == []
    [stored] = await rows(k820, EnrichmentRequest)
    assert stored.recipient_org is None and stored.exchange_event_id is None
    [local] = k820.policy.questions("share")  # type: ignore[attr-defined]
    assert local["recipient"]["org"] == "politikreds-nordjylland"


# --- 3. hand-over of the lead ---------------------------------------------------------------------------------

async def test_at_18_the_police_district_takes_the_lead_with_a_case_of_its_own(member: Member) -> None:
    k820, police = await member(K820), await member(POLICE)
    case = await opened(k820, age=17)

    assert (await run_daily(k820, date.today() + timedelta(days=400))).handed_over == 1

    [row] = await outgoing(k820, x("case_handed_over"))
    assert row.share["recipient_kind"] == "local_police" and row.share["case_stage"] == "received"
    [stored] = await rows(k820, Case)
    assert (stored.lead, stored.lead_org) == ("local_police", POLICE)
    summary = await cases.case_by_concern(k820, staff(k820), UUID(case.concern_id))
    assert summary.lead_org == POLICE
    assert (await run_daily(k820, date.today() + timedelta(days=401))).handed_over == 0
    assert len(await outgoing(k820, x("case_handed_over"))) == 1

    assert await deliver(k820, row, police) == []

    [theirs] = await rows(police, Case)
    assert (theirs.lead, theirs.origin, theirs.origin_org, theirs.origin_case_id) == (
        "local_police", "handed_over", K820, case.case_id)
    assert theirs.controller == POLICE and theirs.regime == "rhl" and theirs.concern_id == case.concern_id
    assert "dk.infohus.case.opened.v1" in [m.headers["ce_type"] for m in await staged(police)]
    [own] = await rows(police, IndexEntry)  # the police indexes its own cases itself
    assert own.org == POLICE and own.pseudonym and own.concern_id == case.concern_id
    # A second hand-over of the same concern is refused.
    again = row.model_copy(update={"headers": row.headers | {"ce_id": str(uuid4())}})
    [(code, _)] = await deliver(k820, again, police)
    assert code == "rule" and len(await rows(police, Case)) == 1


async def test_imminent_risk_hands_the_lead_to_the_police_district_at_once(member: Member) -> None:
    k820, police = await member(K820), await member(POLICE)
    case = await opened(k820, age=15)
    answer = await make_initial_assessment(k820, staff(k820), UUID(case.case_id),
                                           InitialAssessmentCreate(approach="internal", outcome="imminent_risk"))
    assert answer.stage == "closed" and answer.lead == "local_police" and answer.lead_org == POLICE
    types = [m.headers["ce_type"] for m in await staged(k820)]
    assert types[-3:] == ["dk.infohus.case.initial_assessment_made.v1", "dk.infohus.case.lead_changed.v1",
                          x("case_handed_over")]
    [row] = await outgoing(k820, x("case_handed_over"))
    assert row.share["case_stage"] == "initial_assessment" and row.share["flags"]["imminent_risk"] is True
    assert json.loads(row.body)["reason"] == "imminent_risk"
    assert await deliver(k820, row, police) == []
    [theirs] = await rows(police, Case)
    assert theirs.lead == "local_police" and theirs.stage == "received"


# --- 4. the report to PET/EAE -------------------------------------------------------------------------------------

async def test_a_report_to_pet_goes_through_the_police_which_files_it_with_two_people(member: Member) -> None:
    k820, police = await member(K820), await member(POLICE)
    case = await upheld(k820)
    guard = staff(k820)
    await decisions_assess(k820, guard, case)
    decided = await decisions.decide(k820, guard, UUID(case.case_id), DecisionCreate(
        effort_level="general", measures=["mentor"], report_to_pet=True))
    assert await outgoing(k820, x("pet_report_shared")) == []  # not before the second person signed off
    await decisions.sign_off_pet(k820, staff(k820, user="u-other"), UUID(case.case_id), UUID(decided.decision_id))

    [row] = await outgoing(k820, x("pet_report_shared"))
    [decision] = await rows(k820, EffortDecision)
    assert decision.pet_status == "shared" and decision.pet_exchange_event_id == row.event_id
    assert row.share["recipient_kind"] == "local_police" and "special_category" in row.share["data_classes"]

    assert await deliver(k820, row, police) == []

    coordinator = police_staff(police, "police_coordinator", user="u-pol-1")
    [report] = await pet_reports.list_pet_reports(police, coordinator)
    assert (report.status, report.origin_org, report.origin_report_id) == ("awaiting_filing", K820,
                                                                           decided.decision_id)
    assert report.report["concern"]["concern_id"] == case.concern_id and report.receipt is not None
    with pytest.raises(RuleViolation, match="no filing"):
        await pet_reports.sign_off_pet_filing(police, coordinator, UUID(report.report_id))
    filing = await pet_reports.file_pet_report(police, coordinator, UUID(report.report_id))
    assert filing.status == "awaiting_signoff" and filing.filed_by == "u-pol-1"
    with pytest.raises(RuleViolation, match="second person"):
        await pet_reports.sign_off_pet_filing(police, coordinator, UUID(report.report_id))
    assert await outgoing(police, x("pet_report_filed")) == []
    second = police_staff(police, "police_coordinator", user="u-pol-2")
    filed = await pet_reports.sign_off_pet_filing(police, second, UUID(report.report_id))
    assert filed.status == "filed" and filed.signed_off_by == "u-pol-2" and filed.filed_at is not None
    signoff = [q for q in police.policy.questions("access") if q["action"] == "case.pet.signoff"]  # type: ignore[attr-defined]
    assert signoff[-1]["resource"]["requested_by"] == "u-pol-1"
    [back] = await outgoing(police, x("pet_report_filed"))
    assert set(back.share["data_classes"]) == {"process"} and back.share["recipient_org"] == K820
    with pytest.raises(NotFound):
        await pet_reports.file_pet_report(police, coordinator, uuid4())

    assert await deliver(police, back, k820) == []

    [decision] = await rows(k820, EffortDecision)
    assert (decision.pet_status, decision.pet_filed_by_org) == ("filed", POLICE) and decision.pet_filed_at
    detail = await cases.read_case(k820, guard, UUID(case.case_id))
    assert detail.decisions[0].pet_status == "filed" and detail.decisions[0].pet_filed_by_org == POLICE
    again = back.model_copy(update={"headers": back.headers | {"ce_id": str(uuid4())}})
    [(code, _)] = await deliver(police, again, k820)
    assert code == "rule"


async def decisions_assess(runtime: Runtime, guard: Guard, case: Case) -> None:
    from infohus_assessment.service import assessments

    await assessments.assess(runtime, guard, UUID(case.case_id), AssessmentCreate(
        dimensions=[{"dimension": DIMENSION, "tag": "risk", "note": "taler om vold"}], concern_level="lav",
        security_aspect="s", social_aspect="t"))


# --- 5. known elsewhere? ------------------------------------------------------------------------------------------

async def test_known_elsewhere_answers_hit_and_whom_to_contact_and_tells_each_holder_without_content(
    member: Member,
) -> None:
    k820, k851, police = await member(K820), await member(K851), await member(POLICE)
    person = received(age=19).person.model_dump(mode="json")
    cpr = person["cpr"]
    ours = await upheld(k820, person=person)
    theirs = await opened(k851, municipality_code="851", person=person)
    own = await opened(police, person=person)  # the police district's own case of the same person
    await opened(k820)  # someone else

    for sender in (k820, k851):
        for row in await outgoing(sender, x("index_entry_added")):
            body = json.loads(row.body)
            assert set(body) == {"entry_id", "pseudonym", "org", "municipality_code"} and cpr not in row.body
            assert row.share["data_classes"] == ["identity", "process"] and row.share["recipient_org"] == POLICE
            assert await deliver(sender, row, police) == []
    assert len(await rows(police, IndexEntry)) == 4  # 820's two, 851's one, the police's own
    assert all(e.pseudonym is None for e in await rows(k820, IndexEntry))  # a municipality keeps no pseudonym

    asked = await known_elsewhere.ask_known_elsewhere(k820, staff(k820), UUID(ours.case_id))
    assert asked.status == "pending" and asked.contact_orgs == []
    [question] = await outgoing(k820, x("index_lookup_requested"))
    key = k820.settings.district_index_key
    assert key is not None
    import base64
    assert json.loads(question.body)["pseudonym"] == domain.pseudonym(cpr, base64.b64decode(key))

    assert await deliver(k820, question, police) == []

    [answer] = await outgoing(police, x("index_lookup_answered"))
    assert json.loads(answer.body)["hit"] is True
    assert json.loads(answer.body)["contact_orgs"] == [K851, POLICE]
    assert answer.share["data_classes"] == ["process"] and answer.share["subject"] == {"municipality_code": "820"}
    [notice] = await outgoing(police, x("index_hit_notified"))
    assert notice.share["recipient_org"] == K851 and notice.share["subject"] == {"municipality_code": "851"}
    assert set(json.loads(notice.body)) == {"notice_id", "entry_id", "asked_by_org", "asked_at"}
    [local] = await rows(police, IndexHitNotice)  # the police's own case: noted there directly
    assert (local.case_id, local.asked_by_org) == (own.case_id, K820)

    assert await deliver(police, answer, k820) == []
    assert await deliver(police, notice, k851) == []

    looked_up = await known_elsewhere.read_lookup(k820, staff(k820), UUID(asked.lookup_id))
    assert (looked_up.status, looked_up.contact_orgs) == ("hit", [K851, POLICE])
    assert looked_up.answer_receipt is not None and looked_up.answer_receipt.share_decision_id == "share-at-sender"
    detail = await cases.read_case(k851, staff(k851, municipality="851"), UUID(theirs.case_id))
    assert [n.asked_by_org for n in detail.known_elsewhere_notices] == [K820]
    with pytest.raises(NotFound):
        await known_elsewhere.read_lookup(k820, staff(k820), uuid4())


async def test_the_police_asks_its_own_index_and_a_person_nobody_else_knows_is_no_hit(member: Member) -> None:
    k820, police = await member(K820), await member(POLICE)
    person = received(age=30).person.model_dump(mode="json")
    theirs = await opened(k820, person=person)
    for row in await outgoing(k820, x("index_entry_added")):
        assert await deliver(k820, row, police) == []
    lonely = await opened(police)
    own = await opened(police, person=person)

    nobody = await known_elsewhere.ask_known_elsewhere(police, police_staff(police, "police_coordinator"),
                                                       UUID(lonely.case_id))
    hit = await known_elsewhere.ask_known_elsewhere(police, police_staff(police, "police_coordinator"),
                                                    UUID(own.case_id))

    assert (nobody.status, nobody.contact_orgs) == ("no_hit", [])
    assert (hit.status, hit.contact_orgs) == ("hit", [K820])
    assert await outgoing(police, x("index_lookup_requested")) == []
    [notice] = await outgoing(police, x("index_hit_notified"))
    assert await deliver(police, notice, k820) == []
    [noted] = await rows(k820, IndexHitNotice)
    assert (noted.case_id, noted.asked_by_org) == (theirs.case_id, POLICE)


async def test_erasure_tells_the_index_to_forget_and_only_the_holder_may_remove_an_entry(member: Member) -> None:
    k820, k851, police = await member(K820), await member(K851), await member(POLICE)
    case = await opened(k820)
    [added] = await outgoing(k820, x("index_entry_added"))
    assert await deliver(k820, added, police) == []
    [entry] = await rows(k820, IndexEntry)

    event = PersonErased(concern_id=UUID(case.concern_id), rule="P1", erased_at=datetime.now(UTC))
    headers = CloudEventAttributes(id="erasure-1", source="/infohus/kommune-820/registry",
                                   type=ERASURE.event_types[0], time=datetime.now(UTC)).to_headers()
    async with TestKafkaBroker(k820.broker) as broker:
        await broker.publish(event.model_dump(mode="json"), ERASURE.name, headers=headers)

    assert await rows(k820, Case) == [] and await rows(k820, IndexEntry) == []
    [removed] = await outgoing(k820, x("index_entry_removed"))
    assert json.loads(removed.body) == {"entry_id": entry.entry_id} and removed.share["data_classes"] == ["process"]
    # Another municipality cannot make the index forget 820's entry.
    forged = removed.model_copy(update={"topic": f"infohus.x.{K851}.{POLICE}.v1",
                                        "headers": removed.headers | {"ce_id": str(uuid4()),
                                                                      "ce_infohussender": K851}})
    [(code, _)] = await deliver(k851, forged, police)
    assert code == "rule" and len(await rows(police, IndexEntry)) == 1

    assert await deliver(k820, removed, police) == []
    assert await rows(police, IndexEntry) == []


async def test_a_stand_alone_instance_has_no_index_and_no_lookup(member: Member) -> None:
    k820 = await member(K820)
    k820.exchange = None
    case = await opened(k820)
    assert await rows(k820, IndexEntry) == [] and await outgoing(k820, x("index_entry_added")) == []
    with pytest.raises(RuleViolation, match="ikke med i et distrikt"):
        await known_elsewhere.ask_known_elsewhere(k820, staff(k820), UUID(case.case_id))
    assert await rows(k820, IndexLookup) == [] and await rows(k820, PetReport) == []
    assert await pet_reports.list_pet_reports(k820, staff(k820)) == []


def test_the_district_document_names_the_police_org(district_dir: Path) -> None:
    district = District.model_validate_json((district_dir / "district.json").read_text("utf-8"))
    assert district.org_of_kind(district.kind_of(POLICE)) == POLICE  # type: ignore[arg-type]
