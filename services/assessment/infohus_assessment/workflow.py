"""The case workflow: each step loads the case, applies the domain's rules, stores the change and
stages its event, all in one transaction. Routes and handlers only call these."""

from datetime import UTC, date, datetime, timedelta
from typing import Any
from uuid import uuid4

from sqlmodel.ext.asyncio.session import AsyncSession

from infohus_contracts.base.cpr import birth_date_from_cpr
from infohus_contracts.base.municipalities import police_district_of
from infohus_contracts.case.events import (
    AssessmentApproach,
    Authority,
    CaseAssessed,
    CaseClosed,
    CaseOpened,
    CaseStage,
    ConcernDetails,
    ConcernLevel,
    ConcernReceived,
    DecisionApproved,
    EffortDecided,
    EffortLevel,
    EnrichmentAnswered,
    EnrichmentRequested,
    FollowUpCadence,
    FollowUpRecorded,
    InitialAssessmentMade,
    InitialOutcome,
    LeadChanged,
    LeadRole,
    Measure,
    PetReportSignedOff,
    UnderretningRecorded,
)
from infohus_contracts.case.notifications import (
    MeetingUrgency,
    NotificationKind,
    NotificationRequested,
    Recipient,
    RecipientKind,
    StaffRole,
)
from infohus_contracts.case.topics import CASE_EVENTS, NOTIFY_REQUESTS
from infohus_platform.errors import RuleViolation, ShareRefused
from infohus_platform.messaging.outbox import Share, stage_event
from infohus_platform.runtime import Runtime

from . import domain
from .domain import utcnow
from .storage import Assessment, Case, CaseRepository, EffortDecision, EnrichmentRequest, FollowUp, Meeting

REMINDER_DAYS_BEFORE_DEADLINE = 3


class Workflow:
    def __init__(self, runtime: Runtime, session: AsyncSession) -> None:
        self.runtime = runtime
        self.session = session
        self.cases = CaseRepository(session)

    # -- events ---------------------------------------------------------------------------

    def _stage(self, case: Case, event: Any) -> None:
        stage_event(
            self.session, self.runtime.settings, topic=CASE_EVENTS,
            body=event, key=case.concern_id, subject=case.concern_id,
            share=Share.of(event, recipient_kind="internal", purpose="prevention", case_stage=case.stage,
                           subject={"age": domain.age_on(case.birth_date, date.today()),
                                    "municipality_code": case.municipality_code},
                           flags={"honour_conflict": case.honour_conflict}),
        )

    def _notify(self, municipality_code: str, kind: NotificationKind, recipients: list[Recipient], *,
                case: Case | None = None, due_at: datetime | None = None, meeting: Meeting | None = None) -> None:
        """Tell staff: ids, a link and a deadline, never case details."""
        request = NotificationRequested(
            notification_id=uuid4(), concern_id=case.concern_id if case else None,
            municipality_code=municipality_code, kind=kind, recipients=recipients, requested_at=utcnow(),
            link_path=f"/sager/{case.case_id}" if case else (f"/moeder/{meeting.meeting_id}" if meeting else None),
            due_at=due_at, meeting_id=meeting.meeting_id if meeting else None,
            meeting_urgency=MeetingUrgency(meeting.kind) if meeting else None,
        )
        stage_event(
            self.session, self.runtime.settings, topic=NOTIFY_REQUESTS,
            body=request, key=case.concern_id if case else municipality_code,
            subject=case.concern_id if case else None,
            share=Share.of(request, recipient_kind="internal", purpose="prevention"),
        )

    def _change(self, case: Case, actor: str) -> dict[str, Any]:
        return {"case_id": case.case_id, "concern_id": case.concern_id, "at": utcnow(), "actor": actor}

    # -- opening --------------------------------------------------------------------------

    async def open_case(self, concern: ConcernReceived) -> Case | None:
        if await self.cases.by_concern(str(concern.concern_id)) is not None:
            return None
        opened_at = utcnow()
        details = ConcernDetails.model_validate(concern.model_dump(exclude={"reporter"}))
        event = CaseOpened(
            case_id=uuid4(), opened_at=opened_at, lead=domain.lead_for(domain.age_at(concern, opened_at)),
            reporter_organisation=concern.reporter.organisation if concern.reporter else None, concern=details,
        )
        person = concern.person
        born = person.birth_date or (birth_date_from_cpr(person.cpr) if person.cpr else None)
        case = Case(
            **self.runtime.settings.controlled(),
            case_id=str(event.case_id), concern_id=str(concern.concern_id),
            municipality_code=concern.municipality_code, person_key=self.runtime.settings.person_key(person.cpr),
            birth_date=born, opened_at=opened_at, stage=CaseStage.RECEIVED.value, lead=event.lead.value,
            urgent=concern.flags.imminent_risk, honour_conflict=concern.flags.honour_conflict,
            concern=details.model_dump_json(),
        )
        self.cases.add(case)
        self._stage(case, event)
        return case

    # -- initial assessment -----------------------------------------------------------------

    async def initial_assessment(self, case: Case, actor: str, approach: AssessmentApproach,
                                 outcome: InitialOutcome, reason: str | None, forwarded_to: str | None) -> None:
        if case.stage != CaseStage.RECEIVED.value:
            raise RuleViolation("outcome", "the initial assessment has already been made")
        domain.check_initial(outcome, reason, forwarded_to)
        stage = domain.stage_after_initial(outcome)
        case.approach, case.outcome, case.outcome_reason = approach.value, outcome.value, reason
        case.forwarded_to = domain.forwarded_to_for(outcome, forwarded_to)
        case.stage = stage.value
        if outcome is InitialOutcome.IMMINENT_RISK:
            case.urgent = True
        if stage is CaseStage.CLOSED:
            case.closed_at, case.close_reason = utcnow(), reason or outcome.value
        self.session.add(case)
        self._stage(case, InitialAssessmentMade(**self._change(case, actor), approach=approach, outcome=outcome,
                                                reason=reason, forwarded_to=case.forwarded_to, stage=stage))

    # -- enrichment -------------------------------------------------------------------------

    async def request_enrichment(self, case: Case, actor: str, acting_role: str, authority: Authority,
                                 purpose: str, necessity_reason: str, deadline: date, data_classes: list[str],
                                 recipient_org: str | None) -> EnrichmentRequest:
        self._require_open(case, "authority")
        if case.stage not in (CaseStage.ENRICHMENT.value, CaseStage.DECISION.value, CaseStage.EFFORT.value,
                              CaseStage.FOLLOW_UP.value):
            raise RuleViolation("authority", "enrichment follows an initial assessment that upheld the concern")
        if deadline <= date.today():
            raise RuleViolation("deadline", "must be after today")
        decision = await self.runtime.policy.share({
            "action": "request",
            "sender": self.runtime.settings.sender(),
            "recipient": {"kind": _recipient_kind(authority), "org": recipient_org or _authority_org(authority, case)},
            "purpose": purpose, "data_classes": sorted(set(data_classes)), "case_stage": "enrichment",
            "necessity_reason": necessity_reason, "acting_role": acting_role,
            "subject": {"age": domain.age_on(case.birth_date, date.today()), "municipality_code": case.municipality_code},
            "flags": {"honour_conflict": case.honour_conflict, "imminent_risk": case.urgent and case.outcome == "imminent_risk"},
            "stated_basis": self.runtime.settings.stated_basis(data_classes),
        })
        if not decision.allow:
            raise ShareRefused(decision.reasons, decision.decision_id)
        request = EnrichmentRequest(
            request_id=str(uuid4()), case_id=case.case_id, municipality_code=case.municipality_code,
            authority=authority.value, purpose=purpose, necessity_reason=necessity_reason, requested_by=actor,
            requested_at=utcnow(), deadline=deadline,
            remind_on=max(date.today(), deadline - timedelta(days=REMINDER_DAYS_BEFORE_DEADLINE)),
            share_decision_id=decision.decision_id, policy_version=decision.policy_version,
            legal_basis=decision.legal_basis, shared_classes=sorted(set(data_classes)),
        )
        self.cases.add(request)
        self._stage(case, EnrichmentRequested(**self._change(case, actor), request_id=request.request_id,
                                              authority=authority, deadline=deadline,
                                              share_decision_id=decision.decision_id))
        return request

    async def answer_enrichment(self, request: EnrichmentRequest, case: Case, actor: str, answer: str) -> None:
        if request.status == "answered":
            raise RuleViolation("answer", "this request has already been answered")
        request.status, request.answer, request.answered_by, request.answered_at = "answered", answer, actor, utcnow()
        self.session.add(request)
        self._stage(case, EnrichmentAnswered(**self._change(case, actor), request_id=request.request_id,
                                             authority=Authority(request.authority)))

    # -- assessment with the national tool -----------------------------------------------------

    async def assess(self, case: Case, actor: str, instrument_version: str, dimensions: list[dict],
                     concern_level: ConcernLevel, security_aspect: str, social_aspect: str) -> Assessment:
        self._require_open(case, "concern_level")
        if case.stage == CaseStage.RECEIVED.value:
            raise RuleViolation("concern_level", "make the initial assessment first")
        domain.check_dimensions(instrument_version, dimensions)
        assessment = Assessment(
            assessment_id=str(uuid4()), case_id=case.case_id, person_key=case.person_key,
            instrument_version=instrument_version, dimensions=dimensions, concern_level=concern_level.value,
            security_aspect=security_aspect, social_aspect=social_aspect, assessed_by=actor, assessed_at=utcnow(),
        )
        if case.stage == CaseStage.ENRICHMENT.value:
            case.stage = CaseStage.DECISION.value
            self.session.add(case)
        self.cases.add(assessment)
        self._stage(case, CaseAssessed(**self._change(case, actor), assessment_id=assessment.assessment_id,
                                       instrument_version=instrument_version, concern_level=concern_level,
                                       security_aspect=security_aspect, social_aspect=social_aspect))
        return assessment

    # -- decision --------------------------------------------------------------------------

    async def decide(self, case: Case, actor: str, effort_level: EffortLevel, measures: list[Measure],
                     report_to_pet: bool, cadence: FollowUpCadence) -> EffortDecision:
        self._require_open(case, "effort_level")
        latest = await self.cases.latest_assessment(case.case_id)
        if latest is None:
            raise RuleViolation("effort_level", "assess the case with the assessment tool before deciding")
        needs_approval = domain.needs_leadership_approval(ConcernLevel(latest.concern_level))
        decision = EffortDecision(
            decision_id=str(uuid4()), case_id=case.case_id, effort_level=effort_level.value,
            measures=[m.value for m in measures], lead=case.lead, report_to_pet=report_to_pet,
            pet_status="awaiting_signoff" if report_to_pet else "not_requested",
            approval="pending" if needs_approval else "not_required", decided_by=actor, decided_at=utcnow(),
        )
        case.follow_up_cadence = cadence.value
        if not needs_approval:
            self._start_effort(case)
        else:
            case.stage = CaseStage.DECISION.value
            self._notify(case.municipality_code, NotificationKind.LEADERSHIP_APPROVAL_NEEDED, [_role("leadership")],
                         case=case)
        self.session.add(case)
        self.cases.add(decision)
        self._stage(case, EffortDecided(**self._change(case, actor), decision_id=decision.decision_id,
                                        effort_level=effort_level, measures=measures, report_to_pet=report_to_pet,
                                        lead=LeadRole(case.lead), standing=not needs_approval))
        return decision

    def _start_effort(self, case: Case) -> None:
        """Leadership is informed whenever an effort starts."""
        self._notify(case.municipality_code, NotificationKind.LEADERSHIP_EFFORT_STARTED, [_role("leadership")],
                     case=case)
        case.stage = CaseStage.EFFORT.value
        case.next_follow_up = domain.next_follow_up(FollowUpCadence(case.follow_up_cadence or "ad_hoc"), date.today())

    async def approve(self, decision: EffortDecision, case: Case, actor: str) -> None:
        if decision.approval != "pending":
            raise RuleViolation("decision", "this decision is not awaiting leadership approval")
        decision.approval, decision.approved_by = "approved", actor
        self._start_effort(case)
        self.session.add_all([decision, case])
        self._stage(case, DecisionApproved(**self._change(case, actor), decision_id=decision.decision_id))

    async def sign_off_pet(self, decision: EffortDecision, case: Case, actor: str) -> None:
        if decision.pet_status != "awaiting_signoff":
            raise RuleViolation("decision", "no PET report is awaiting sign-off on this decision")
        if actor == decision.decided_by:
            raise RuleViolation("decision", "a second person must sign off the report to PET")
        decision.pet_status, decision.pet_signed_off_by = "signed_off", actor
        self.session.add(decision)
        self._stage(case, PetReportSignedOff(**self._change(case, actor), decision_id=decision.decision_id))

    # -- under 18, follow-up, closing, hand-over --------------------------------------------------

    async def record_underretning(self, case: Case, actor: str, made: bool) -> None:
        case.underretning_made = made
        self.session.add(case)
        self._stage(case, UnderretningRecorded(**self._change(case, actor), made=made))

    async def follow_up(self, case: Case, actor: str, note: str, cadence: FollowUpCadence | None) -> FollowUp:
        self._require_open(case, "note")
        if case.stage not in (CaseStage.EFFORT.value, CaseStage.FOLLOW_UP.value):
            raise RuleViolation("note", "follow-up starts once an effort has started")
        if cadence is not None:
            case.follow_up_cadence = cadence.value
        case.stage = CaseStage.FOLLOW_UP.value
        case.next_follow_up = domain.next_follow_up(FollowUpCadence(case.follow_up_cadence or "ad_hoc"), date.today())
        entry = FollowUp(follow_up_id=str(uuid4()), case_id=case.case_id, note=note, recorded_by=actor,
                         recorded_at=utcnow())
        self.session.add(case)
        self.cases.add(entry)
        self._stage(case, FollowUpRecorded(**self._change(case, actor), next_due=case.next_follow_up))
        return entry

    async def close(self, case: Case, actor: str, reason: str) -> None:
        self._require_open(case, "reason")
        case.stage, case.closed_at, case.close_reason, case.next_follow_up = CaseStage.CLOSED.value, utcnow(), reason, None
        self.session.add(case)
        self._stage(case, CaseClosed(**self._change(case, actor), reason=reason))

    async def hand_over_at_18(self, case: Case, today: date) -> bool:
        """The lead passes from SSP to local police when the person turns 18 while the case is open."""
        if case.lead != LeadRole.SSP_COORDINATOR.value or (domain.age_on(case.birth_date, today) or 0) < 18:
            return False
        case.lead = LeadRole.LOCAL_POLICE.value
        self.session.add(case)
        self._stage(case, LeadChanged(**self._change(case, "system:schedules"), lead=LeadRole.LOCAL_POLICE,
                                      reason="the person turned 18"))
        self._notify(case.municipality_code, NotificationKind.HANDOVER_AT_18,
                     [_role("police_coordinator"), _role("ssp_coordinator")], case=case)
        return True

    async def remind_enrichment_deadlines(self, today: date) -> int:
        reminders = await self.cases.due_reminders(today)
        for request in reminders:
            case = await self.cases.get(request.case_id)
            request.reminded = True
            self.session.add(request)
            due = datetime.combine(request.deadline, datetime.min.time(), tzinfo=UTC)
            self._notify(request.municipality_code, NotificationKind.ENRICHMENT_DEADLINE,
                         [Recipient(kind=RecipientKind.STAFF_ROLE, role=StaffRole.AUTHORITY_CASEWORKER)],
                         case=case, due_at=due)
        return len(reminders)

    async def remind_overdue_follow_ups(self, today: date) -> int:
        """Once per overdue follow-up date: the lead and the coordinators are reminded."""
        overdue = [c for c in await self.cases.overdue(None, today) if c.overdue_reminded_for != c.next_follow_up]
        for case in overdue:
            case.overdue_reminded_for = case.next_follow_up
            self.session.add(case)
            due = datetime.combine(case.next_follow_up, datetime.min.time(), tzinfo=UTC)
            self._notify(case.municipality_code, NotificationKind.FOLLOW_UP_OVERDUE, [_role(case.lead_role())],
                         case=case, due_at=due)
        return len(overdue)

    # -- meetings ---------------------------------------------------------------------------

    async def convene(self, municipality_code: str, actor: str, kind: str, scheduled_for: datetime) -> Meeting:
        domain.check_meeting_date(kind, scheduled_for, utcnow())
        open_cases = await self.cases.cases([municipality_code], open_only=True)
        agenda = [{"case_id": c.case_id, "stage": c.stage, "urgent": c.urgent, "lead": c.lead}
                  for c in sorted(open_cases, key=lambda c: (not c.urgent, c.opened_at))]
        meeting = Meeting(meeting_id=str(uuid4()), municipality_code=municipality_code, kind=kind,
                          scheduled_for=scheduled_for, agenda=agenda, convened_by=actor, convened_at=utcnow())
        self.cases.add(meeting)
        self._notify(municipality_code, NotificationKind.MEETING_SUMMONS,
                     [_role("ssp_coordinator"), _role("police_coordinator")], due_at=scheduled_for, meeting=meeting)
        return meeting

    def _require_open(self, case: Case, field: str) -> None:
        if case.stage == CaseStage.CLOSED.value:
            raise RuleViolation(field, "the case is closed")


def _role(role: str) -> Recipient:
    return Recipient(kind=RecipientKind.STAFF_ROLE, role=StaffRole(role))


def _recipient_kind(authority: Authority) -> str:
    return "self_governing_institution" if authority is Authority.AD_HOC else authority.value


def _authority_org(authority: Authority, case: Case) -> str:
    if authority is Authority.LOCAL_POLICE:
        return f"politikreds-{police_district_of(case.municipality_code)}"
    return f"kommune-{case.municipality_code}"
