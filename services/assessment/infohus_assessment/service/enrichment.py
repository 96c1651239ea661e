"""Enrichment (berigelse): § 115 requests to an authority, asked of OPA first; the authorities'
view of their requests and their answers; reminders before a deadline."""

import json
from datetime import UTC, date, datetime
from uuid import UUID, uuid4

from infohus_contracts.base.cpr import birth_date_from_cpr
from infohus_contracts.case.events import Authority, EnrichmentAnswered, EnrichmentRequested
from infohus_contracts.case.notifications import NotificationKind, Recipient, RecipientKind, StaffRole
from infohus_platform.audit import processing_log
from infohus_platform.auth import Guard, resource, visible_municipalities
from infohus_platform.errors import NotFound, ShareRefused
from infohus_platform.runtime import Runtime

from .. import domain
from ..domain import utcnow
from ..schemas import (
    EnrichmentAnswerCreate,
    EnrichmentRequestCreate,
    EnrichmentRequestListedPublic,
    EnrichmentRequestPublic,
)
from ..storage import Case, CaseRepository, EnrichmentRequest
from .case_steps import CaseWork, run_step


async def request_enrichment(runtime: Runtime, guard: Guard, case_id: UUID,
                             body: EnrichmentRequestCreate) -> EnrichmentRequestPublic:
    actor, role = guard.principal.user_id, domain.acting_role(guard.principal.roles)
    data_classes: list[str] = list(body.data_classes)

    async def step(work: CaseWork, case: Case) -> EnrichmentRequest:
        today = date.today()
        domain.check_enrichment_request(case.stage, body.deadline, today)
        settings = work.runtime.settings
        decision = await work.runtime.policy.share({
            "action": "request",
            "sender": settings.sender(),
            "recipient": {"kind": domain.recipient_kind(body.authority),
                          "org": body.recipient_org or domain.authority_org(body.authority, case.municipality_code)},
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
            legal_basis=decision.legal_basis, shared_classes=sorted(set(data_classes)),
        )
        work.cases.add(request)
        work.stage(case, EnrichmentRequested(**work.change(case, actor), request_id=request.request_id,
                                             authority=body.authority, deadline=body.deadline,
                                             share_decision_id=decision.decision_id))
        return request

    _, request = await run_step(runtime, guard, case_id, "case.enrichment.request", data_classes, step)
    return EnrichmentRequestPublic.model_validate(request.model_dump())


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
        await session.commit()
    return listed


async def answer_enrichment(runtime: Runtime, guard: Guard, request_id: UUID,
                            body: EnrichmentAnswerCreate) -> EnrichmentRequestPublic:
    async with runtime.db.session() as session:
        found = await CaseRepository(session).request(str(request_id))
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
        result = EnrichmentRequestPublic.model_validate(request.model_dump())
    runtime.relay.wake()
    return result


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
