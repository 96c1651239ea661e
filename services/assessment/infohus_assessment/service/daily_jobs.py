"""The daily jobs: hand-over at 18 and the reminders, for a day; safe to run again (each change happens once)."""

from datetime import date

from infohus_platform.auth import Guard, resource
from infohus_platform.runtime import Runtime

from ..schemas import DailyJobsPublic
from .case_steps import CaseWork
from .enrichment import remind_enrichment_deadlines
from .follow_up import remind_overdue_follow_ups
from .handover import hand_over_at_18


async def run_daily(runtime: Runtime, today: date) -> DailyJobsPublic:
    """Everything due on ``today``, in one transaction."""
    handed_over = 0
    async with runtime.db.session() as session:
        work = CaseWork(runtime, session)
        for case in await work.cases.open_cases_with_birth_date():
            handed_over += await hand_over_at_18(work, case, today)
        reminders = await remind_enrichment_deadlines(work, today)
        overdue = await remind_overdue_follow_ups(work, today)
        await session.commit()
    runtime.relay.wake()
    return DailyJobsPublic(handed_over=handed_over, enrichment_reminders=reminders, overdue_follow_ups=overdue)


async def run_daily_on_request(runtime: Runtime, guard: Guard, as_of: date | None) -> DailyJobsPublic:
    """Run the daily jobs for a day now (they also run hourly)."""
    await guard.require("schedules.run", resource("schedules", guard.principal.municipality_code))
    return await run_daily(runtime, as_of or date.today())
