"""Assessment's HTTP API: the caseworker's process. Thin: access via the guard, rules in ``workflow``."""

import json
from datetime import UTC, date, datetime
from typing import Annotated, Literal
from uuid import UUID

from fastapi import APIRouter, HTTPException, Query
from pydantic import BaseModel, Field
from sqlmodel import col, select

from infohus_contracts.base.cpr import birth_date_from_cpr
from infohus_contracts.case.events import (
    AssessmentApproach,
    Authority,
    ConcernLevel,
    EffortLevel,
    FollowUpCadence,
    InitialOutcome,
    Measure,
)
from infohus_platform.audit import processing_log
from infohus_platform.auth import GuardDep, resource, visible_municipalities
from infohus_platform.errors import RuleViolation
from infohus_platform.messaging.outbox import OutboxMessage
from infohus_platform.runtime import RuntimeDep

from . import domain
from .schedules import run_daily
from .storage import Case, CaseRepository
from .workflow import Workflow

router = APIRouter(prefix="/api/v1", tags=["cases"])
CASE_CLASSES = ["identity", "social", "narrative", "special_category", "process"]


# --- request bodies --------------------------------------------------------------------------

class InitialAssessmentIn(BaseModel):
    approach: AssessmentApproach
    outcome: InitialOutcome
    reason: str | None = Field(None, max_length=4000)
    forwarded_to: str | None = Field(None, max_length=200)


class EnrichmentRequestIn(BaseModel):
    authority: Authority
    purpose: Literal["prevention", "investigation"] = "prevention"
    necessity_reason: str = Field(min_length=1, max_length=4000)
    deadline: date
    data_classes: list[Literal["identity", "special_category", "criminal", "social", "narrative", "process"]] = \
        Field(default_factory=lambda: ["identity", "process"], min_length=1)
    recipient_org: str | None = Field(None, max_length=200)


class EnrichmentAnswerIn(BaseModel):
    answer: str = Field(min_length=1, max_length=20000)


class DimensionNote(BaseModel):
    dimension: str = Field(max_length=60)
    tag: Literal["risk", "resource"]
    note: str = Field(min_length=1, max_length=4000)


class AssessmentIn(BaseModel):
    instrument_version: str = domain.CURRENT_INSTRUMENT
    dimensions: list[DimensionNote] = Field(min_length=1)
    concern_level: ConcernLevel
    security_aspect: str = Field(min_length=1, max_length=4000)
    social_aspect: str = Field(min_length=1, max_length=4000)


class DecisionIn(BaseModel):
    effort_level: EffortLevel
    measures: list[Measure] = Field(min_length=1)
    report_to_pet: bool = False
    follow_up_cadence: FollowUpCadence = FollowUpCadence.QUARTERLY


class UnderretningIn(BaseModel):
    made: bool


class FollowUpIn(BaseModel):
    note: str = Field(min_length=1, max_length=20000)
    cadence: FollowUpCadence | None = None


class CloseIn(BaseModel):
    reason: str = Field(min_length=1, max_length=4000)


class MeetingIn(BaseModel):
    kind: Literal["regular", "urgent", "next_day"]
    scheduled_for: datetime | None = None


# --- helpers ---------------------------------------------------------------------------------

async def load_case(runtime, case_id: UUID) -> Case:
    async with runtime.db.session() as session:
        case = await CaseRepository(session).get(str(case_id))
    if case is None:
        raise HTTPException(404, detail="no such case")
    return case


def case_resource(case: Case) -> dict:
    return resource("case", case.municipality_code, case_id=case.case_id)


def summary(case: Case) -> dict:
    age = domain.age_on(case.birth_date, date.today())
    return {
        "case_id": case.case_id, "concern_id": case.concern_id, "municipality_code": case.municipality_code,
        "stage": case.stage, "lead": case.lead, "urgent": case.urgent, "honour_conflict": case.honour_conflict,
        "opened_at": case.opened_at, "next_follow_up": case.next_follow_up,
        "overdue": bool(case.next_follow_up and case.next_follow_up < date.today() and case.stage != "closed"),
        "under_18": age is not None and age < 18,
    }


async def step(runtime, guard, case_id: UUID, action: str, classes: list[str], run) -> dict:
    """Check access, then run one workflow step in one transaction, logged in that transaction."""
    case = await load_case(runtime, case_id)
    decision = await guard.require(action, case_resource(case), log_now=False)
    async with runtime.db.session() as session:
        case = await CaseRepository(session).get(str(case_id))
        result = await run(Workflow(runtime, session), case)
        await guard.record(session, decision, action, subjects=[case.concern_id], data_classes=classes)
        await session.commit()
    runtime.relay.wake()
    return result if isinstance(result, dict) else summary(case)


# --- cases -----------------------------------------------------------------------------------

@router.get("/cases")
async def list_cases(
    runtime: RuntimeDep, guard: GuardDep,
    stage: str | None = None, lead: str | None = None, urgent: bool | None = None,
    overdue: Annotated[bool, Query(description="only cases whose follow-up is overdue")] = False,
    limit: Annotated[int, Query(ge=1, le=1000, description="newest first (overdue: most overdue first)")] = 200,
) -> list[dict]:
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
    return [summary(c) | {"person_name": json.loads(c.concern)["person"].get("name")} for c in cases]


@router.get("/cases/by-concern/{concern_id}")
async def case_by_concern(concern_id: UUID, runtime: RuntimeDep, guard: GuardDep) -> dict:
    async with runtime.db.session() as session:
        case = await CaseRepository(session).by_concern(str(concern_id))
    if case is None:
        raise HTTPException(404, detail="no case for that concern")
    await guard.require("case.read", case_resource(case), subject_ref=case.concern_id, data_classes=["process"])
    return summary(case)


@router.get("/cases/{case_id}")
async def read_case(case_id: UUID, runtime: RuntimeDep, guard: GuardDep) -> dict:
    case = await load_case(runtime, case_id)
    await guard.require("case.read", case_resource(case), subject_ref=case.concern_id, data_classes=CASE_CLASSES)
    async with runtime.db.session() as session:
        repository = CaseRepository(session)
        requests = await repository.requests_for(case.case_id)
        assessments = await repository.assessments_for(case.case_id)
        decisions = await repository.decisions_for(case.case_id)
        follow_ups = await repository.follow_ups_for(case.case_id)
    body = summary(case) | {
        "concern": case.model_dump(include={"concern"})["concern"], "approach": case.approach,
        "outcome": case.outcome, "outcome_reason": case.outcome_reason, "forwarded_to": case.forwarded_to,
        "closed_at": case.closed_at, "close_reason": case.close_reason, "follow_up_cadence": case.follow_up_cadence,
        "underretning": underretning_notice(case),
        "enrichment_requests": [r.model_dump() for r in requests],
        "assessments": [a.model_dump() for a in assessments],
        "decisions": [d.model_dump() for d in decisions],
        "follow_ups": [f.model_dump() for f in follow_ups],
    }
    return body


def underretning_notice(case: Case) -> dict | None:
    """Under 18: the infohus concern does not replace a child-welfare report (underretning)."""
    age = domain.age_on(case.birth_date, date.today())
    if age is None or age >= 18:
        return None
    return {
        "notice": "En bekymringshenvendelse til infohuset erstatter ikke en underretning til "
                  "Børne- og Familierådgivningen (Barnets lov §§ 132-135).",
        "made": case.underretning_made,
    }


@router.get("/cases/{case_id}/history")
async def case_history(case_id: UUID, runtime: RuntimeDep, guard: GuardDep) -> list[dict]:
    """Every state change of the case, as the events it put on Kafka, in order."""
    case = await load_case(runtime, case_id)
    await guard.require("case.history", case_resource(case), subject_ref=case.concern_id, data_classes=CASE_CLASSES)
    async with runtime.db.session() as session:
        rows = (await session.exec(select(OutboxMessage).where(OutboxMessage.key == case.concern_id,
                                                               OutboxMessage.topic == "infohus.case.events.v1")
                                   .order_by(col(OutboxMessage.id)))).all()
    return [{"type": row.headers.get("ce_type"), "at": row.created_at, "status": row.status,
             "share_decision_id": row.decision_id, "event": json.loads(row.body)} for row in rows]


@router.post("/cases/{case_id}/initial-assessment")
async def initial_assessment(case_id: UUID, body: InitialAssessmentIn, runtime: RuntimeDep, guard: GuardDep) -> dict:
    actor = guard.principal.user_id
    return await step(runtime, guard, case_id, "case.initial_assessment", ["process", "narrative"],
                      lambda wf, case: wf.initial_assessment(case, actor, body.approach, body.outcome, body.reason,
                                                             body.forwarded_to))


@router.post("/cases/{case_id}/enrichment-requests", status_code=201)
async def request_enrichment(case_id: UUID, body: EnrichmentRequestIn, runtime: RuntimeDep, guard: GuardDep) -> dict:
    actor, role = guard.principal.user_id, _case_role(guard.principal.roles)

    async def run(wf: Workflow, case: Case) -> dict:
        request = await wf.request_enrichment(case, actor, role, body.authority, body.purpose, body.necessity_reason,
                                              body.deadline, list(body.data_classes), body.recipient_org)
        return request.model_dump()

    return await step(runtime, guard, case_id, "case.enrichment.request", list(body.data_classes), run)


@router.post("/cases/{case_id}/assessments", status_code=201)
async def assess(case_id: UUID, body: AssessmentIn, runtime: RuntimeDep, guard: GuardDep) -> dict:
    actor = guard.principal.user_id

    async def run(wf: Workflow, case: Case) -> dict:
        assessment = await wf.assess(case, actor, body.instrument_version, [d.model_dump() for d in body.dimensions],
                                     body.concern_level, body.security_aspect, body.social_aspect)
        return assessment.model_dump()

    return await step(runtime, guard, case_id, "case.assess", ["special_category", "narrative"], run)


@router.post("/cases/{case_id}/decision", status_code=201)
async def decide(case_id: UUID, body: DecisionIn, runtime: RuntimeDep, guard: GuardDep) -> dict:
    actor = guard.principal.user_id

    async def run(wf: Workflow, case: Case) -> dict:
        decision = await wf.decide(case, actor, body.effort_level, body.measures, body.report_to_pet,
                                   body.follow_up_cadence)
        return decision.model_dump() | {"stage": case.stage}

    return await step(runtime, guard, case_id, "case.decide", ["process"], run)


@router.post("/cases/{case_id}/decisions/{decision_id}/approve")
async def approve(case_id: UUID, decision_id: UUID, runtime: RuntimeDep, guard: GuardDep) -> dict:
    actor = guard.principal.user_id

    async def run(wf: Workflow, case: Case):
        await wf.approve(await _decision(wf, case, decision_id), case, actor)

    return await step(runtime, guard, case_id, "case.decision.approve", ["process"], run)


@router.post("/cases/{case_id}/decisions/{decision_id}/pet-signoff")
async def pet_signoff(case_id: UUID, decision_id: UUID, runtime: RuntimeDep, guard: GuardDep) -> dict:
    actor = guard.principal.user_id
    case = await load_case(runtime, case_id)
    async with runtime.db.session() as session:
        decision = await CaseRepository(session).decision(str(decision_id))
    if decision is None or decision.case_id != case.case_id:
        raise HTTPException(404, detail="no such decision on this case")
    resource_ = case_resource(case) | {"requested_by": decision.decided_by, "decided_by": decision.decided_by}
    access = await guard.require("case.pet.signoff", resource_, log_now=False)
    async with runtime.db.session() as session:
        wf = Workflow(runtime, session)
        case = await wf.cases.get(case.case_id)
        await wf.sign_off_pet(await _decision(wf, case, decision_id), case, actor)
        await guard.record(session, access, "case.pet.signoff", subjects=[case.concern_id], data_classes=["process"])
        await session.commit()
    runtime.relay.wake()
    return summary(case)


async def _decision(wf: Workflow, case: Case, decision_id: UUID):
    decision = await wf.cases.decision(str(decision_id))
    if decision is None or decision.case_id != case.case_id:
        raise RuleViolation("decision_id", "no such decision on this case")
    return decision


@router.post("/cases/{case_id}/underretning")
async def underretning(case_id: UUID, body: UnderretningIn, runtime: RuntimeDep, guard: GuardDep) -> dict:
    actor = guard.principal.user_id
    return await step(runtime, guard, case_id, "case.underretning", ["process"],
                      lambda wf, case: wf.record_underretning(case, actor, body.made))


@router.post("/cases/{case_id}/follow-ups", status_code=201)
async def follow_up(case_id: UUID, body: FollowUpIn, runtime: RuntimeDep, guard: GuardDep) -> dict:
    actor = guard.principal.user_id
    return await step(runtime, guard, case_id, "case.follow_up", ["narrative", "process"],
                      lambda wf, case: wf.follow_up(case, actor, body.note, body.cadence))


@router.post("/cases/{case_id}/close")
async def close(case_id: UUID, body: CloseIn, runtime: RuntimeDep, guard: GuardDep) -> dict:
    actor = guard.principal.user_id
    return await step(runtime, guard, case_id, "case.close", ["narrative", "process"],
                      lambda wf, case: wf.close(case, actor, body.reason))


# --- enrichment requests as the authorities see them -----------------------------------------

@router.get("/enrichment-requests")
async def enrichment_requests(runtime: RuntimeDep, guard: GuardDep) -> list[dict]:
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
            listed.append(item)
        await session.commit()
    return listed


@router.post("/enrichment-requests/{request_id}/answer")
async def answer_enrichment(request_id: UUID, body: EnrichmentAnswerIn, runtime: RuntimeDep, guard: GuardDep) -> dict:
    async with runtime.db.session() as session:
        request = await CaseRepository(session).request(str(request_id))
    if request is None:
        raise HTTPException(404, detail="no such request")
    access = await guard.require("enrichment.answer", resource("enrichment_request", request.municipality_code,
                                                               authority=request.authority), log_now=False)
    async with runtime.db.session() as session:
        wf = Workflow(runtime, session)
        request = await wf.cases.request(str(request_id))
        case = await wf.cases.get(request.case_id)
        await wf.answer_enrichment(request, case, guard.principal.user_id, body.answer)
        await guard.record(session, access, "enrichment.answer", subjects=[case.concern_id],
                           data_classes=["narrative"])
        await session.commit()
        result = request.model_dump()
    runtime.relay.wake()
    return result


# --- the assessment tool ---------------------------------------------------------------------

@router.get("/instruments/current")
async def current_instrument() -> dict:
    return domain.instrument()


@router.get("/assessments/compare")
async def compare_assessments(first: UUID, second: UUID, runtime: RuntimeDep, guard: GuardDep) -> dict:
    """Two assessments of the same person side by side, dimension by dimension."""
    async with runtime.db.session() as session:
        repository = CaseRepository(session)
        a, b = await repository.assessment(str(first)), await repository.assessment(str(second))
        if a is None or b is None:
            raise HTTPException(404, detail="no such assessment")
        case_a, case_b = await repository.get(a.case_id), await repository.get(b.case_id)
    if a.case_id != b.case_id and (a.person_key is None or a.person_key != b.person_key):
        raise RuleViolation("second", "the two assessments are not of the same person")
    for case in {case_a.case_id: case_a, case_b.case_id: case_b}.values():
        await guard.require("case.assessment.compare", case_resource(case), subject_ref=case.concern_id,
                            data_classes=["special_category", "narrative"])
    first_, second_ = sorted([a, b], key=lambda x: x.assessed_at)
    return {
        "first": {"assessment_id": first_.assessment_id, "assessed_at": first_.assessed_at,
                  "concern_level": first_.concern_level, "assessed_by": first_.assessed_by},
        "second": {"assessment_id": second_.assessment_id, "assessed_at": second_.assessed_at,
                   "concern_level": second_.concern_level, "assessed_by": second_.assessed_by},
        "concern_level_changed": first_.concern_level != second_.concern_level,
        "dimensions": [change.__dict__ for change in domain.compare(first_.dimensions, second_.dimensions,
                                                                    second_.instrument_version)],
    }


# --- follow-up and meetings ------------------------------------------------------------------

@router.get("/follow-ups/overdue")
async def overdue_follow_ups(runtime: RuntimeDep, guard: GuardDep, as_of: date | None = None) -> list[dict]:
    scope = visible_municipalities(guard.principal)
    await guard.require("case.list", resource("case", scope[0] if scope else None), data_classes=["process"])
    async with runtime.db.session() as session:
        cases = await CaseRepository(session).overdue(scope, as_of or date.today())
    return [summary(c) for c in cases]


@router.post("/meetings", status_code=201)
async def convene_meeting(body: MeetingIn, runtime: RuntimeDep, guard: GuardDep) -> dict:
    principal = guard.principal
    municipality = principal.municipality_code
    await guard.require("meeting.manage", resource("meeting", municipality))
    if municipality is None:
        raise RuleViolation("municipality_code", "your token names no municipality")
    async with runtime.db.session() as session:
        wf = Workflow(runtime, session)
        when = body.scheduled_for
        if when is None and body.kind == "regular":
            last = await wf.cases.last_meeting(municipality)
            when = domain.next_regular_meeting(last.scheduled_for if last else None, domain.utcnow())
        if when is None:
            raise RuleViolation("scheduled_for", "required for an urgent or next-day meeting")
        meeting = await wf.convene(municipality, principal.user_id, body.kind, _aware(when))
        await session.commit()
        return meeting.model_dump()


@router.get("/meetings")
async def meetings(runtime: RuntimeDep, guard: GuardDep) -> list[dict]:
    scope = visible_municipalities(guard.principal)
    await guard.require("meeting.read", resource("meeting", scope[0] if scope else None))
    async with runtime.db.session() as session:
        return [m.model_dump() for m in await CaseRepository(session).meetings(scope)]


def _aware(moment: datetime) -> datetime:
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _case_role(roles: list[str]) -> str:
    for role in ("ssp_coordinator", "police_coordinator", "leadership"):
        if role in roles:
            return role
    return roles[0] if roles else "unknown"


@router.post("/schedules/run")
async def run_schedules(runtime: RuntimeDep, guard: GuardDep, as_of: date | None = None) -> dict:
    """Run the daily jobs for a day now (they also run hourly): hand-over at 18 and reminders."""
    await guard.require("schedules.run", resource("schedules", guard.principal.municipality_code))
    return await run_daily(runtime, as_of or date.today())
