"""Follow-up (opfølgning) on a running effort: recording it, the overdue list, and reminders."""

from datetime import UTC, date, datetime
from uuid import UUID, uuid4

from infohus_contracts.case.events import CaseStage, FollowUpCadence, FollowUpRecorded
from infohus_contracts.case.notifications import NotificationKind
from infohus_platform.auth import Guard, resource, visible_municipalities
from infohus_platform.runtime import Runtime

from .. import domain
from ..domain import utcnow
from ..schemas import CaseSummaryPublic, FollowUpCreate
from ..storage import Case, CaseRepository, FollowUp
from .case_steps import CaseWork, run_step, staff_role
from .cases import case_summary


async def record_follow_up(runtime: Runtime, guard: Guard, case_id: UUID, body: FollowUpCreate) -> CaseSummaryPublic:
    """The answer is the case as it now stands (its next follow-up), not the entry."""
    actor = guard.principal.user_id

    async def step(work: CaseWork, case: Case) -> FollowUp:
        domain.check_can_follow_up(case.stage)
        if body.cadence is not None:
            case.follow_up_cadence = body.cadence.value
        case.stage = CaseStage.FOLLOW_UP.value
        case.next_follow_up = domain.next_follow_up(FollowUpCadence(case.follow_up_cadence or "ad_hoc"),
                                                    date.today())
        entry = FollowUp(follow_up_id=str(uuid4()), case_id=case.case_id, note=body.note, recorded_by=actor,
                         recorded_at=utcnow())
        work.session.add(case)
        work.cases.add(entry)
        work.stage(case, FollowUpRecorded(**work.change(case, actor), next_due=case.next_follow_up))
        return entry

    case, _ = await run_step(runtime, guard, case_id, "case.follow_up", ["narrative", "process"], step)
    return case_summary(case)


async def overdue_follow_ups(runtime: Runtime, guard: Guard, as_of: date | None) -> list[CaseSummaryPublic]:
    scope = visible_municipalities(guard.principal)
    await guard.require("case.list", resource("case", scope[0] if scope else None), data_classes=["process"])
    async with runtime.db.session() as session:
        cases = await CaseRepository(session).overdue(scope, as_of or date.today())
    return [case_summary(c) for c in cases]


async def remind_overdue_follow_ups(work: CaseWork, today: date) -> int:
    """Once per overdue follow-up date: the lead and the coordinators are reminded."""
    overdue = [c for c in await work.cases.overdue(None, today) if c.overdue_reminded_for != c.next_follow_up]
    for case in overdue:
        case.overdue_reminded_for = case.next_follow_up
        work.session.add(case)
        assert case.next_follow_up is not None  # an overdue case has a follow-up date
        due = datetime.combine(case.next_follow_up, datetime.min.time(), tzinfo=UTC)
        work.notify(case.municipality_code, NotificationKind.FOLLOW_UP_OVERDUE, [staff_role(case.lead_role())],
                    case=case, due_at=due)
    return len(overdue)
