"""Cases (sager): opening one for a concern, reading and listing them, their history, the
underretning question for under-18s, and closing."""

import json
from datetime import date
from typing import Any
from uuid import UUID, uuid4

from sqlmodel.ext.asyncio.session import AsyncSession

from infohus_contracts.base.cpr import birth_date_from_cpr
from infohus_contracts.case.events import (
    CaseClosed,
    CaseOpened,
    CaseStage,
    ConcernDetails,
    ConcernReceived,
    LeadRole,
    UnderretningRecorded,
)
from infohus_contracts.case.exchange import INDEX_ENTRY_ADDED, ConcernForwarded, IndexEntryAdded
from infohus_contracts.case.topics import CASE_EVENTS
from infohus_platform.audit import processing_log
from infohus_platform.audit.erasure import is_erased
from infohus_platform.auth import Guard, resource, visible_municipalities
from infohus_platform.errors import NotFound, RuleViolation
from infohus_platform.exchange.link import ExchangeDelivery
from infohus_platform.runtime import Runtime
from infohus_platform.tenancy import require_own_tenant

from .. import domain
from ..domain import utcnow
from ..schemas import (
    AssessmentPublic,
    CaseCloseCreate,
    CaseDetailPublic,
    CaseEventPublic,
    CaseListedPublic,
    CaseSummaryPublic,
    EffortDecisionPublic,
    EnrichmentRequestPublic,
    FollowUpPublic,
    IndexHitNoticePublic,
    UnderretningCreate,
    UnderretningNoticePublic,
)
from ..storage import Case, CaseRepository, IndexEntry
from .case_steps import CASE_CLASSES, CaseWork, case_resource, load_case, run_step
from .federation import exchange_records, index_key, is_police, police_org, send


def case_summary(case: Case) -> CaseSummaryPublic:
    return CaseSummaryPublic.model_validate(_summary_fields(case))


def _summary_fields(case: Case) -> dict:
    today = date.today()
    return {
        "case_id": case.case_id, "concern_id": case.concern_id, "municipality_code": case.municipality_code,
        "stage": case.stage, "lead": case.lead, "urgent": case.urgent, "honour_conflict": case.honour_conflict,
        "opened_at": case.opened_at, "next_follow_up": case.next_follow_up,
        "overdue": domain.is_overdue(case.next_follow_up, case.stage, today),
        "under_18": domain.is_minor(case.birth_date, today),
        "lead_org": case.lead_org, "origin": case.origin, "origin_org": case.origin_org,
        "origin_case_id": case.origin_case_id,
    }


# --- opening ------------------------------------------------------------------------------------

async def open_case(work: CaseWork, concern: ConcernReceived, *, lead: LeadRole | None = None,
                    origin: dict[str, Any] | None = None) -> Case | None:
    """A case for a new concern; ``None`` when the concern already has one. ``origin`` (a member of a district):
    where it came from (``origin``, ``origin_org``, ``origin_case_id``)."""
    if await work.cases.by_concern(str(concern.concern_id)) is not None:
        return None
    opened_at = utcnow()
    details = ConcernDetails.model_validate(concern.model_dump(exclude={"reporter"}))
    event = CaseOpened(
        case_id=uuid4(), opened_at=opened_at, lead=lead or domain.lead_for(domain.age_at(concern, opened_at)),
        reporter_organisation=concern.reporter.organisation if concern.reporter else None, concern=details,
    )
    person = concern.person
    born = person.birth_date or (birth_date_from_cpr(person.cpr) if person.cpr else None)
    settings = work.runtime.settings
    controlled = settings.controlled()
    case = Case(
        controller=controlled["controller"], regime=controlled["regime"],
        case_id=str(event.case_id), concern_id=str(concern.concern_id),
        municipality_code=concern.municipality_code, person_key=settings.person_key(person.cpr),
        birth_date=born, opened_at=opened_at, stage=CaseStage.RECEIVED.value, lead=event.lead.value,
        urgent=concern.flags.imminent_risk, honour_conflict=concern.flags.honour_conflict,
        concern=details.model_dump_json(), **(origin or {}),
    )
    work.cases.add(case)
    work.stage(case, event)
    if person.cpr:
        await add_index_entry(work, case, person.cpr)
    return case


async def open_case_for_concern(runtime: Runtime, session: AsyncSession, concern: ConcernReceived, *,
                                lead: LeadRole | None = None, origin: dict[str, Any] | None = None,
                                actor: str = "service:assessment") -> Case | None:
    """A received concern opens a case, logged as the service's own processing, in the caller's transaction.

    A concern of a municipality this instance does not serve raises ``ForeignTenant`` (dead-lettered)."""
    require_own_tenant(runtime.settings, concern.municipality_code)
    if await is_erased(session, str(concern.concern_id)):
        return None  # a replay of an erased concern recreates nothing
    case = await open_case(CaseWork(runtime, session), concern, lead=lead, origin=origin)
    if case is not None:
        await processing_log.record(
            session, actor=actor, action="case.open", subjects=[case.concern_id],
            data_classes=CASE_CLASSES, purpose="prevention",
        )
    return case


async def open_forwarded_concern(runtime: Runtime, delivery: ExchangeDelivery,
                                 forwarded: ConcernForwarded) -> Case | None:
    """A concern another municipality forwarded opens a case here exactly as one of our own intake would (our
    registry registers it, our notify informs), noting who forwarded it."""
    concern = forwarded.concern
    domain.check_forwarded(forwarded.forwarded_by, delivery.sender_org, concern.municipality_code,
                           runtime.settings.municipalities)
    case = await open_case_for_concern(
        runtime, delivery.session, concern, actor=f"org:{delivery.sender_org}",
        origin={"origin": "forwarded", "origin_org": delivery.sender_org})
    if case is None:
        raise RuleViolation("concern.concern_id", "this concern already has a case here, or was erased")
    delivery.subjects.append(case.concern_id)
    return case


async def add_index_entry(work: CaseWork, case: Case, cpr: str) -> IndexEntry | None:
    """A member of a district puts each case with a CPR number in the district's known-elsewhere index: the police
    district keeps the entry itself, a municipality sends it there (pseudonym and organisation only)."""
    runtime = work.runtime
    key = index_key(runtime)
    if key is None:
        return None
    org = runtime.settings.infohus_org
    entry = IndexEntry(entry_id=str(uuid4()), org=org, municipality_code=case.municipality_code,
                       concern_id=case.concern_id, added_at=utcnow())
    police = police_org(runtime)
    if is_police(runtime):
        entry.pseudonym = domain.pseudonym(cpr, key)  # the index itself
    elif police is not None:
        body = IndexEntryAdded(entry_id=UUID(entry.entry_id), pseudonym=domain.pseudonym(cpr, key), org=org,
                               municipality_code=case.municipality_code)
        row = send(work.session, runtime, recipient_org=police, message=INDEX_ENTRY_ADDED, body=body,
                   key=entry.entry_id, municipality_code=case.municipality_code,
                   necessity=domain.NECESSITY["index_entry"], subject=case.concern_id)
        entry.exchange_event_id = row.event_id
    else:
        return None
    work.cases.add(entry)
    return entry


# --- reading ------------------------------------------------------------------------------------

async def list_cases(runtime: Runtime, guard: Guard, *, stage: str | None, lead: str | None, urgent: bool | None,
                     overdue: bool, limit: int) -> list[CaseListedPublic]:
    """The case list names each person, so every listed case is a logged read of its identity."""
    scope = visible_municipalities(guard.principal)
    decision = await guard.require("case.list", resource("case", scope[0] if scope else None), log_now=False)
    async with runtime.db.session() as session:
        repository = CaseRepository(session)
        cases = (await repository.overdue(scope, date.today(), limit) if overdue
                 else await repository.cases(scope, stage=stage, lead=lead, urgent=urgent, limit=limit))
        await guard.record(session, decision, "case.list", subjects=[case.concern_id for case in cases],
                           data_classes=["identity", "process"])
        await session.commit()
    return [CaseListedPublic.model_validate(_summary_fields(c) | {"person_name": json.loads(c.concern)["person"]
                                                                  .get("name")}) for c in cases]


async def case_by_concern(runtime: Runtime, guard: Guard, concern_id: UUID) -> CaseSummaryPublic:
    """Decide, then look up: an unknown concern and one the caller may not see answer alike."""
    await guard.require_in_own_scope("case.read", "case", subject_ref=str(concern_id))
    async with runtime.db.session() as session:
        case = await CaseRepository(session).by_concern(str(concern_id))
    if case is None:
        raise NotFound("case", detail=NO_CASE_FOR_CONCERN)
    await guard.require_found("case.read", case_resource(case), subject_ref=case.concern_id,
                              data_classes=["process"], not_found=NotFound("case", detail=NO_CASE_FOR_CONCERN))
    return case_summary(case)


NO_CASE_FOR_CONCERN = "no case for that concern"


async def read_case(runtime: Runtime, guard: Guard, case_id: UUID) -> CaseDetailPublic:
    case = await load_case(runtime, case_id)
    await guard.require("case.read", case_resource(case), subject_ref=case.concern_id, data_classes=CASE_CLASSES)
    async with runtime.db.session() as session:
        repository = CaseRepository(session)
        requests = await repository.requests_for(case.case_id)
        assessments = await repository.assessments_for(case.case_id)
        decisions = await repository.decisions_for(case.case_id)
        follow_ups = await repository.follow_ups_for(case.case_id)
        notices = await repository.hit_notices_for(case.case_id)
        enrichment = [EnrichmentRequestPublic.model_validate(
            r.model_dump() | await exchange_records(session, r.exchange_event_id, r.answer_receipt_id))
            for r in requests]
    return CaseDetailPublic.model_validate(_summary_fields(case) | {
        "concern": case.concern, "approach": case.approach,
        "outcome": case.outcome, "outcome_reason": case.outcome_reason, "forwarded_to": case.forwarded_to,
        "closed_at": case.closed_at, "close_reason": case.close_reason, "follow_up_cadence": case.follow_up_cadence,
        "underretning": underretning_notice(case),
        "enrichment_requests": enrichment,
        "assessments": [AssessmentPublic.model_validate(a.model_dump()) for a in assessments],
        "decisions": [EffortDecisionPublic.model_validate(d.model_dump()) for d in decisions],
        "follow_ups": [FollowUpPublic.model_validate(f.model_dump()) for f in follow_ups],
        "known_elsewhere_notices": [IndexHitNoticePublic.model_validate(n.model_dump()) for n in notices],
    })


def underretning_notice(case: Case) -> UnderretningNoticePublic | None:
    """Under 18: the infohus concern does not replace a child-welfare report (underretning)."""
    if not domain.is_minor(case.birth_date, date.today()):
        return None
    return UnderretningNoticePublic(notice=domain.UNDERRETNING_NOTICE, made=case.underretning_made)


async def case_history(runtime: Runtime, guard: Guard, case_id: UUID) -> list[CaseEventPublic]:
    """Every state change of the case, as the events it put on Kafka, in order."""
    case = await load_case(runtime, case_id)
    await guard.require("case.history", case_resource(case), subject_ref=case.concern_id, data_classes=CASE_CLASSES)
    async with runtime.db.session() as session:
        rows = await CaseRepository(session).staged_events(case.concern_id, CASE_EVENTS)
    return [CaseEventPublic(type=row.headers.get("ce_type"), at=row.created_at, status=row.status,
                            share_decision_id=row.decision_id, event=json.loads(row.body)) for row in rows]


# --- under 18 and closing -------------------------------------------------------------------------

async def record_underretning(runtime: Runtime, guard: Guard, case_id: UUID,
                              body: UnderretningCreate) -> CaseSummaryPublic:
    actor = guard.principal.user_id

    async def step(work: CaseWork, case: Case) -> None:
        case.underretning_made = body.made
        work.session.add(case)
        work.stage(case, UnderretningRecorded(**work.change(case, actor), made=body.made))

    case, _ = await run_step(runtime, guard, case_id, "case.underretning", ["process"], step)
    return case_summary(case)


async def close_case(runtime: Runtime, guard: Guard, case_id: UUID, body: CaseCloseCreate) -> CaseSummaryPublic:
    actor = guard.principal.user_id

    async def step(work: CaseWork, case: Case) -> None:
        domain.require_open(case.stage, "reason")
        case.stage, case.closed_at, case.close_reason, case.next_follow_up = (
            CaseStage.CLOSED.value, utcnow(), body.reason, None)
        work.session.add(case)
        work.stage(case, CaseClosed(**work.change(case, actor), reason=body.reason))

    case, _ = await run_step(runtime, guard, case_id, "case.close", ["narrative", "process"], step)
    return case_summary(case)
