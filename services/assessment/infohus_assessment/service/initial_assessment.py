"""The initial assessment (indledende vurdering): is the concern upheld, unfounded, for someone else,
or an imminent risk."""

from uuid import UUID

from infohus_contracts.case.events import CaseStage, InitialAssessmentMade, InitialOutcome
from infohus_platform.auth import Guard
from infohus_platform.runtime import Runtime

from .. import domain
from ..domain import utcnow
from ..schemas import CaseSummaryPublic, InitialAssessmentCreate
from ..storage import Case
from .case_steps import CaseWork, run_step
from .cases import case_summary
from .handover import hand_over_to_police


async def make_initial_assessment(runtime: Runtime, guard: Guard, case_id: UUID,
                                  body: InitialAssessmentCreate) -> CaseSummaryPublic:
    actor = guard.principal.user_id

    async def step(work: CaseWork, case: Case) -> None:
        domain.check_initial_pending(case.stage)
        domain.check_initial(body.outcome, body.reason, body.forwarded_to)
        stage = domain.stage_after_initial(body.outcome)
        case.approach, case.outcome, case.outcome_reason = body.approach.value, body.outcome.value, body.reason
        case.forwarded_to = domain.forwarded_to_for(body.outcome, body.forwarded_to)
        case.stage = stage.value
        if body.outcome is InitialOutcome.IMMINENT_RISK:
            case.urgent = True
        if stage is CaseStage.CLOSED:
            case.closed_at, case.close_reason = utcnow(), body.reason or body.outcome.value
        work.session.add(case)
        work.stage(case, InitialAssessmentMade(**work.change(case, actor), approach=body.approach,
                                               outcome=body.outcome, reason=body.reason,
                                               forwarded_to=case.forwarded_to, stage=stage))
        if body.outcome is InitialOutcome.IMMINENT_RISK:
            # A member of a district: the police district takes the lead at once (the share is the initial
            # assessment's outcome, so it is asked as of that stage, not of the case it closed).
            hand_over_to_police(work, case, "imminent_risk", case_stage=CaseStage.INITIAL_ASSESSMENT.value,
                                actor=actor)

    case, _ = await run_step(runtime, guard, case_id, "case.initial_assessment", ["process", "narrative"], step)
    return case_summary(case)
