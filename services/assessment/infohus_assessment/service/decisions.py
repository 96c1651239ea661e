"""Decisions on an effort (indsats): deciding, leadership's approval at serious concern, and the
second person's sign-off on a report to PET."""

from datetime import date
from uuid import UUID, uuid4

from infohus_contracts.case.events import (
    CaseStage,
    ConcernDetails,
    ConcernLevel,
    DecisionApproved,
    EffortDecided,
    FollowUpCadence,
    LeadRole,
    PetReportSignedOff,
)
from infohus_contracts.case.exchange import PET_REPORT_SHARED, PetReportFiledNotice, PetReportSent
from infohus_contracts.case.notifications import NotificationKind
from infohus_platform.auth import Guard
from infohus_platform.errors import NotFound, RuleViolation
from infohus_platform.exchange.link import ExchangeDelivery
from infohus_platform.runtime import Runtime

from .. import domain
from ..domain import utcnow
from ..schemas import CaseSummaryPublic, DecisionCreate, DecisionMadePublic
from ..storage import Case, CaseRepository, EffortDecision
from .case_steps import CaseWork, case_resource, load_case, run_step, staff_role
from .cases import case_summary
from .federation import police_org, send


async def decide(runtime: Runtime, guard: Guard, case_id: UUID, body: DecisionCreate) -> DecisionMadePublic:
    actor = guard.principal.user_id

    async def step(work: CaseWork, case: Case) -> EffortDecision:
        domain.require_open(case.stage, "effort_level")
        latest = await work.cases.latest_assessment(case.case_id)
        if latest is None:
            raise RuleViolation("effort_level", "assess the case with the assessment tool before deciding")
        needs_approval = domain.needs_leadership_approval(ConcernLevel(latest.concern_level))
        decision = EffortDecision(
            decision_id=str(uuid4()), case_id=case.case_id, effort_level=body.effort_level.value,
            measures=[m.value for m in body.measures], lead=case.lead, report_to_pet=body.report_to_pet,
            pet_status="awaiting_signoff" if body.report_to_pet else "not_requested",
            approval="pending" if needs_approval else "not_required", decided_by=actor, decided_at=utcnow(),
        )
        case.follow_up_cadence = body.follow_up_cadence.value
        if not needs_approval:
            start_effort(work, case)
        else:
            case.stage = CaseStage.DECISION.value
            work.notify(case.municipality_code, NotificationKind.LEADERSHIP_APPROVAL_NEEDED,
                        [staff_role("leadership")], case=case)
        work.session.add(case)
        work.cases.add(decision)
        work.stage(case, EffortDecided(**work.change(case, actor), decision_id=decision.decision_id,
                                       effort_level=body.effort_level, measures=body.measures,
                                       report_to_pet=body.report_to_pet, lead=LeadRole(case.lead),
                                       standing=not needs_approval))
        return decision

    case, decision = await run_step(runtime, guard, case_id, "case.decide", ["process"], step)
    return DecisionMadePublic.model_validate(decision.model_dump() | {"stage": case.stage})


def start_effort(work: CaseWork, case: Case) -> None:
    """Leadership is informed whenever an effort starts."""
    work.notify(case.municipality_code, NotificationKind.LEADERSHIP_EFFORT_STARTED, [staff_role("leadership")],
                case=case)
    case.stage = CaseStage.EFFORT.value
    case.next_follow_up = domain.next_follow_up(FollowUpCadence(case.follow_up_cadence or "ad_hoc"), date.today())


async def _decision_on(work: CaseWork, case: Case, decision_id: UUID) -> EffortDecision:
    decision = await work.cases.decision(str(decision_id))
    if decision is None or decision.case_id != case.case_id:
        raise RuleViolation("decision_id", "no such decision on this case")
    return decision


async def approve(runtime: Runtime, guard: Guard, case_id: UUID, decision_id: UUID) -> CaseSummaryPublic:
    actor = guard.principal.user_id

    async def step(work: CaseWork, case: Case) -> None:
        decision = await _decision_on(work, case, decision_id)
        domain.check_approvable(decision.approval)
        decision.approval, decision.approved_by = "approved", actor
        start_effort(work, case)
        work.session.add_all([decision, case])
        work.stage(case, DecisionApproved(**work.change(case, actor), decision_id=decision.decision_id))

    case, _ = await run_step(runtime, guard, case_id, "case.decision.approve", ["process"], step)
    return case_summary(case)


async def sign_off_pet(runtime: Runtime, guard: Guard, case_id: UUID, decision_id: UUID) -> CaseSummaryPublic:
    """Access depends on who decided: the policy sees the decider, so the same person cannot sign off."""
    actor = guard.principal.user_id
    case = await load_case(runtime, case_id)
    async with runtime.db.session() as session:
        found = await CaseRepository(session).decision(str(decision_id))
    if found is None or found.case_id != case.case_id:
        raise NotFound("decision", detail="no such decision on this case")
    resource_ = case_resource(case) | {"requested_by": found.decided_by, "decided_by": found.decided_by}
    access = await guard.require("case.pet.signoff", resource_, log_now=False)
    async with runtime.db.session() as session:
        work = CaseWork(runtime, session)
        current = await work.cases.get(case.case_id)
        assert current is not None
        decision = await _decision_on(work, current, decision_id)
        domain.check_pet_signoff(decision.pet_status, decision.decided_by, actor)
        decision.pet_status, decision.pet_signed_off_by = "signed_off", actor
        session.add(decision)
        work.stage(current, PetReportSignedOff(**work.change(current, actor), decision_id=decision.decision_id))
        await share_pet_report(work, current, decision)
        await guard.record(session, access, "case.pet.signoff", subjects=[current.concern_id],
                           data_classes=["process"])
        await session.commit()
    runtime.relay.wake()
    return case_summary(current)


async def share_pet_report(work: CaseWork, case: Case, decision: EffortDecision) -> bool:
    """A member of a district: once signed off by a second person here, the report to PET/EAE goes to the local
    police (``PET_REPORT_SHARED``), which files it; the decision shows ``shared``, later ``filed``."""
    police = police_org(work.runtime)
    if police is None:
        return False
    latest = await work.cases.latest_assessment(case.case_id)
    body = PetReportSent(
        report_id=UUID(decision.decision_id), origin_case_id=UUID(case.case_id), effort_level=decision.effort_level,
        concern_level=latest.concern_level if latest else None, security_aspect=latest.security_aspect if latest
        else None, signed_off_at=utcnow(), concern=ConcernDetails.model_validate_json(case.concern))
    row = send(work.session, work.runtime, recipient_org=police, message=PET_REPORT_SHARED, body=body,
               key=case.concern_id, municipality_code=case.municipality_code, necessity=domain.NECESSITY["pet_report"],
               subject=case.concern_id, age=domain.age_on(case.birth_date, date.today()),
               case_stage=case.stage,
               flags={"honour_conflict": case.honour_conflict})
    decision.pet_status, decision.pet_exchange_event_id = "shared", row.event_id
    work.session.add(decision)
    return True


async def receive_pet_report_filed(runtime: Runtime, delivery: ExchangeDelivery,
                                   filed: PetReportFiledNotice) -> EffortDecision:
    """The police district filed the report: the decision shows ``filed``, when and by which organisation."""
    work = CaseWork(runtime, delivery.session)
    decision = await work.cases.decision(str(filed.report_id))
    if decision is None:
        raise RuleViolation("report_id", "no such report here")
    domain.check_pet_filed(decision.pet_status)
    if police_org(runtime) != delivery.sender_org:
        raise RuleViolation("report_id", "the report was not sent to this organisation")
    decision.pet_status, decision.pet_filed_at, decision.pet_filed_by_org = (
        "filed", filed.filed_at, delivery.sender_org)
    decision.pet_filed_receipt_id = delivery.event_id
    work.session.add(decision)
    case = await work.cases.get(decision.case_id)
    if case is not None:
        delivery.subjects.append(case.concern_id)
    return decision
