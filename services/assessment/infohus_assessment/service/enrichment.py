"""Enrichment (berigelse): § 115 requests to an authority, asked of OPA first; the authorities'
view of their requests and their answers; reminders before a deadline."""

import json
from datetime import UTC, date, datetime
from typing import Any
from uuid import UUID, uuid4

from infohus_contracts.base.cpr import birth_date_from_cpr
from infohus_contracts.base.municipalities import police_districts
from infohus_contracts.case.events import Authority, EnrichmentAnswered, EnrichmentRequested
from infohus_contracts.case.exchange import (
    ENRICHMENT_ANSWERED,
    ENRICHMENT_REQUESTED,
    EnrichmentAnswerSent,
    EnrichmentRequestSent,
    PersonIdentity,
)
from infohus_contracts.case.notifications import NotificationKind, Recipient, RecipientKind, StaffRole
from infohus_platform.audit import processing_log
from infohus_platform.auth import Guard, Principal, resource, visible_municipalities
from infohus_platform.errors import NotFound, RuleViolation, ShareRefused
from infohus_platform.exchange.link import ExchangeDelivery
from infohus_platform.messaging.outbox import OutboxMessage
from infohus_platform.runtime import Runtime

from .. import domain
from ..domain import utcnow
from ..schemas import (
    EnrichmentAnswerCreate,
    EnrichmentRequestCreate,
    EnrichmentRequestListedPublic,
    EnrichmentRequestPublic,
    ExchangeRecordPublic,
)
from ..storage import Case, CaseRepository, EnrichmentRequest, IncomingEnrichmentRequest
from .case_steps import CaseWork, run_step
from .federation import district_of, exchange_records, police_org, receipt_record, send, sent_record


async def request_enrichment(runtime: Runtime, guard: Guard, case_id: UUID,
                             body: EnrichmentRequestCreate) -> EnrichmentRequestPublic:
    actor, role = guard.principal.user_id, domain.acting_role(guard.principal.roles)
    # A member of a district asks its police district over the exchange; the question is free text (narrative).
    police = police_org(runtime) if body.authority is Authority.LOCAL_POLICE else None
    data_classes: list[str] = [*body.data_classes, *(["narrative"] if body.question else [])]

    async def step(work: CaseWork, case: Case) -> EnrichmentRequest:
        today = date.today()
        domain.check_enrichment_request(case.stage, body.deadline, today)
        settings = work.runtime.settings
        recipient_org = police or body.recipient_org or domain.authority_org(body.authority, case.municipality_code)
        decision = await work.runtime.policy.share({
            "action": "request",
            "sender": settings.sender(),
            "recipient": {"kind": domain.recipient_kind(body.authority), "org": recipient_org},
            "purpose": body.purpose, "data_classes": sorted(set(data_classes)), "case_stage": "enrichment",
            "necessity_reason": body.necessity_reason, "acting_role": role,
            "subject": {"age": domain.age_on(case.birth_date, today), "municipality_code": case.municipality_code},
            "flags": {"honour_conflict": case.honour_conflict,
                      "imminent_risk": case.urgent and case.outcome == "imminent_risk"},
            "stated_basis": settings.stated_basis(data_classes),
        })
        if not decision.allow:
            raise ShareRefused(decision.reasons, decision.decision_id)
        request = EnrichmentRequest(
            request_id=str(uuid4()), case_id=case.case_id, municipality_code=case.municipality_code,
            authority=body.authority.value, purpose=body.purpose, necessity_reason=body.necessity_reason,
            requested_by=actor, requested_at=utcnow(), deadline=body.deadline,
            remind_on=domain.remind_on(body.deadline, today),
            share_decision_id=decision.decision_id, policy_version=decision.policy_version,
            legal_basis=decision.legal_basis, shared_classes=sorted(set(data_classes)), question=body.question,
        )
        if police is not None:
            request.recipient_org = police
            request.exchange_event_id = send_enrichment_request(work, case, request).event_id
        work.cases.add(request)
        work.stage(case, EnrichmentRequested(**work.change(case, actor), request_id=request.request_id,
                                             authority=body.authority, deadline=body.deadline,
                                             share_decision_id=decision.decision_id))
        return request

    _, request = await run_step(runtime, guard, case_id, "case.enrichment.request", data_classes, step)
    return await request_public(runtime, request)


async def request_public(runtime: Runtime, request: EnrichmentRequest) -> EnrichmentRequestPublic:
    """A request with, for a member of a district, the message sent and the answer's receipt (both decisions)."""
    async with runtime.db.session() as session:
        records = await exchange_records(session, request.exchange_event_id, request.answer_receipt_id)
    return EnrichmentRequestPublic.model_validate(request.model_dump() | records)


def send_enrichment_request(work: CaseWork, case: Case, request: EnrichmentRequest) -> OutboxMessage:
    """What the request shares with the police district: the person's identity only when the request shares
    identity, and the question only when it was asked (OPA decides on the classes the message holds)."""
    assert request.recipient_org is not None
    person = None
    if "identity" in request.shared_classes:
        details = json.loads(case.concern)["person"]
        person = PersonIdentity(name=details["name"], cpr=details.get("cpr"),
                                birth_date=details.get("birth_date") or case.birth_date)
    body = EnrichmentRequestSent(
        request_id=UUID(request.request_id), municipality_code=case.municipality_code, authority=request.authority,
        purpose=request.purpose, necessity_reason=request.necessity_reason, deadline=request.deadline,
        requested_at=request.requested_at, shared_classes=request.shared_classes, question=request.question,
        person=person)
    return send(work.session, work.runtime, recipient_org=request.recipient_org, message=ENRICHMENT_REQUESTED,
                body=body, key=case.concern_id, municipality_code=case.municipality_code,
                necessity=request.necessity_reason, subject=case.concern_id,
                age=domain.age_on(case.birth_date, date.today()), case_stage="enrichment",
                flags={"honour_conflict": case.honour_conflict,
                       "imminent_risk": case.urgent and case.outcome == "imminent_risk"})


async def list_enrichment_requests(runtime: Runtime, guard: Guard) -> list[EnrichmentRequestListedPublic]:
    """An authority caseworker sees only their own authority's requests."""
    principal = guard.principal
    scope = visible_municipalities(principal)
    await guard.require("enrichment.list", resource("enrichment_request", scope[0] if scope else None,
                                                    authority=principal.authority), data_classes=["process"])
    own_authority = principal.authority if "authority_caseworker" in principal.roles else None
    async with runtime.db.session() as session:
        repository = CaseRepository(session)
        requests = await repository.requests(authority=own_authority, municipality_codes=scope)
        listed = []
        for request in requests:
            item = request.model_dump(exclude={"answer"})
            if "identity" in request.shared_classes:
                # The authority must know whom the request is about; OPA allowed identity for this request.
                case = await repository.get(request.case_id)
                person = json.loads(case.concern)["person"] if case else {}
                item["person"] = {"name": person.get("name"), "birth_date": person.get("birth_date")
                                  or (birth_date_from_cpr(person["cpr"]).isoformat() if person.get("cpr") else None)}
                await processing_log.record(
                    session, actor=principal.user_id, actor_roles=principal.roles, action="enrichment.list",
                    subjects=[case.concern_id if case else None], data_classes=["identity", "process"],
                    purpose="prevention", decision_id=request.share_decision_id)
            # Validated from the dict, so ``person`` counts as set only where it was added (the route leaves
            # unset fields out of the answer).
            listed.append(EnrichmentRequestListedPublic.model_validate(item))
        if district_of(runtime) is not None:
            listed += await _incoming_listed(guard, repository, own_authority)
        await session.commit()
    return listed


def incoming_scope(principal: Principal) -> list[str]:
    """Whose requests from other organisations a caller of the police district sees: a police coordinator's and a
    police caseworker's district, otherwise their own municipality."""
    scope = visible_municipalities(principal)
    if not scope and principal.police_district:
        return list(police_districts().get(principal.police_district, {}).get("municipalities", []))
    return scope


async def _incoming_listed(guard: Guard, repository: CaseRepository,
                           own_authority: str | None) -> list[EnrichmentRequestListedPublic]:
    """Requests from another organisation of the district, with whom each is about when it shares identity; each
    such read is logged (its decision: the sender's share decision in the receipt)."""
    principal = guard.principal
    listed = []
    for incoming in await repository.incoming_requests(authority=own_authority,
                                                       municipality_codes=incoming_scope(principal)):
        receipt = await receipt_record(repository.session, incoming.receipt_id)
        item: dict[str, Any] = {
            "request_id": incoming.request_id, "case_id": None, "municipality_code": incoming.municipality_code,
            "authority": incoming.authority, "purpose": incoming.purpose,
            "necessity_reason": incoming.necessity_reason, "requested_by": incoming.origin_org,
            "requested_at": incoming.requested_at, "deadline": incoming.deadline,
            "remind_on": domain.remind_on(incoming.deadline, incoming.received_at.date()), "reminded": False,
            "share_decision_id": receipt.share_decision_id if receipt else None,
            "policy_version": receipt.policy_version if receipt else None,
            "legal_basis": receipt.legal_basis if receipt else [], "shared_classes": incoming.shared_classes,
            "status": incoming.status, "answered_by": incoming.answered_by, "answered_at": incoming.answered_at,
            "origin_org": incoming.origin_org, "question": incoming.question,
        }
        if incoming.person:
            item["person"] = {"name": incoming.person.get("name"), "birth_date": incoming.person.get("birth_date")}
            await processing_log.record(
                repository.session, actor=principal.user_id, actor_roles=principal.roles, action="enrichment.list",
                subjects=[incoming.request_id], data_classes=["identity", "process"], purpose="prevention",
                decision_id=receipt.accept_decision_id if receipt else None)
        listed.append(EnrichmentRequestListedPublic.model_validate(item))
    return listed


async def answer_enrichment(runtime: Runtime, guard: Guard, request_id: UUID,
                            body: EnrichmentAnswerCreate) -> EnrichmentRequestPublic:
    async with runtime.db.session() as session:
        found = await CaseRepository(session).request(str(request_id))
        incoming = (await CaseRepository(session).incoming_request(str(request_id))
                    if found is None and district_of(runtime) is not None else None)
    if incoming is not None:
        return await answer_incoming(runtime, guard, incoming, body)
    if found is None:
        raise NotFound("request")
    access = await guard.require("enrichment.answer", resource("enrichment_request", found.municipality_code,
                                                               authority=found.authority), log_now=False)
    actor = guard.principal.user_id
    async with runtime.db.session() as session:
        work = CaseWork(runtime, session)
        request = await work.cases.request(str(request_id))
        assert request is not None  # found above; requests are deleted only on erasure
        case = await work.cases.get(request.case_id)
        assert case is not None
        domain.check_answerable(request.status)
        request.status, request.answer, request.answered_by, request.answered_at = (
            "answered", body.answer, actor, utcnow())
        session.add(request)
        work.stage(case, EnrichmentAnswered(**work.change(case, actor), request_id=request.request_id,
                                            authority=Authority(request.authority)))
        await guard.record(session, access, "enrichment.answer", subjects=[case.concern_id],
                           data_classes=["narrative"])
        await session.commit()
    runtime.relay.wake()
    return await request_public(runtime, request)


# --- a member of a district: the police district's end ------------------------------------------------------

async def receive_enrichment_request(runtime: Runtime, delivery: ExchangeDelivery,
                                     sent: EnrichmentRequestSent) -> IncomingEnrichmentRequest:
    """The police district keeps a municipality's request as an incoming request of its own."""
    if sent.municipality_code not in runtime.settings.municipalities:
        raise RuleViolation("municipality_code", "this instance does not serve that municipality")
    repository = CaseRepository(delivery.session)
    if await repository.incoming_by_origin(str(sent.request_id)) is not None:
        raise RuleViolation("request_id", "this request has already been received")
    incoming = IncomingEnrichmentRequest(
        request_id=str(uuid4()), origin_org=delivery.sender_org, origin_request_id=str(sent.request_id),
        municipality_code=sent.municipality_code, authority=sent.authority, purpose=sent.purpose,
        necessity_reason=sent.necessity_reason, question=sent.question,
        person=json.loads(sent.person.model_dump_json()) if sent.person else None, deadline=sent.deadline,
        requested_at=sent.requested_at, shared_classes=list(sent.shared_classes), received_at=utcnow(),
        receipt_id=delivery.event_id)
    repository.add(incoming)
    delivery.subjects.append(incoming.request_id)
    return incoming


async def answer_incoming(runtime: Runtime, guard: Guard, incoming: IncomingEnrichmentRequest,
                          body: EnrichmentAnswerCreate) -> EnrichmentRequestPublic:
    """The police district answers a municipality's request: the answer goes back (``ENRICHMENT_ANSWERED``)."""
    access = await guard.require("enrichment.answer", resource("enrichment_request", incoming.municipality_code,
                                                               authority=incoming.authority), log_now=False)
    actor = guard.principal.user_id
    async with runtime.db.session() as session:
        current = await CaseRepository(session).incoming_request(incoming.request_id)
        assert current is not None  # found a moment ago
        domain.check_answerable(current.status)
        current.status, current.answer, current.answered_by, current.answered_at = (
            "answered", body.answer, actor, utcnow())
        answer = EnrichmentAnswerSent(request_id=UUID(current.origin_request_id), answer=body.answer,
                                      answered_at=current.answered_at)
        row = send(session, runtime, recipient_org=current.origin_org, message=ENRICHMENT_ANSWERED, body=answer,
                   key=current.origin_request_id, municipality_code=current.municipality_code,
                   necessity=current.necessity_reason)
        current.answer_event_id = row.event_id
        session.add(current)
        await guard.record(session, access, "enrichment.answer", subjects=[current.request_id],
                           data_classes=["narrative"])
        await session.commit()
        sent = await sent_record(session, current.answer_event_id)
        receipt = await receipt_record(session, current.receipt_id)
        result = EnrichmentRequestPublic.model_validate(
            _incoming_fields(current, receipt) | {"answer": current.answer, "sent": sent})
    runtime.relay.wake()
    return result


def _incoming_fields(incoming: IncomingEnrichmentRequest, receipt: ExchangeRecordPublic | None) -> dict:
    return {
        "request_id": incoming.request_id, "case_id": "", "municipality_code": incoming.municipality_code,
        "authority": incoming.authority, "purpose": incoming.purpose, "necessity_reason": incoming.necessity_reason,
        "requested_by": incoming.origin_org, "requested_at": incoming.requested_at, "deadline": incoming.deadline,
        "remind_on": domain.remind_on(incoming.deadline, incoming.received_at.date()), "reminded": False,
        "share_decision_id": receipt.share_decision_id if receipt else None,
        "policy_version": receipt.policy_version if receipt else None,
        "legal_basis": receipt.legal_basis if receipt else [], "shared_classes": incoming.shared_classes,
        "status": incoming.status, "answered_by": incoming.answered_by, "answered_at": incoming.answered_at,
        "question": incoming.question, "recipient_org": None, "answer_receipt": receipt,
    }


async def receive_enrichment_answer(runtime: Runtime, delivery: ExchangeDelivery,
                                    answer: EnrichmentAnswerSent) -> EnrichmentRequest:
    """The municipality sets its request answered with the police district's answer; the receipt (both
    decisions) is linked by its event id."""
    work = CaseWork(runtime, delivery.session)
    request = await work.cases.request(str(answer.request_id))
    if request is None:
        raise RuleViolation("request_id", "no such request here")
    domain.check_answer_from(request.recipient_org, delivery.sender_org, request.status)
    case = await work.cases.get(request.case_id)
    assert case is not None  # a request is deleted only with its case
    request.status, request.answer, request.answered_by, request.answered_at = (
        "answered", answer.answer, f"org:{delivery.sender_org}", answer.answered_at)
    request.answer_receipt_id = delivery.event_id
    work.session.add(request)
    work.stage(case, EnrichmentAnswered(**work.change(case, f"org:{delivery.sender_org}"),
                                        request_id=request.request_id, authority=Authority(request.authority)))
    delivery.subjects.append(case.concern_id)
    return request


async def remind_enrichment_deadlines(work: CaseWork, today: date) -> int:
    """Authority caseworkers are reminded once, a few days before a request's deadline."""
    reminders = await work.cases.due_reminders(today)
    for request in reminders:
        case = await work.cases.get(request.case_id)
        request.reminded = True
        work.session.add(request)
        due = datetime.combine(request.deadline, datetime.min.time(), tzinfo=UTC)
        work.notify(request.municipality_code, NotificationKind.ENRICHMENT_DEADLINE,
                    [Recipient(kind=RecipientKind.STAFF_ROLE, role=StaffRole.AUTHORITY_CASEWORKER)],
                    case=case, due_at=due)
    return len(reminders)
