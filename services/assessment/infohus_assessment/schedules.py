"""Daily jobs: hand-over at 18 and the reminders. Run hourly by the service, or on demand for a day."""

import asyncio
from datetime import date

import structlog

from infohus_platform.runtime import Runtime

from .workflow import Workflow

log = structlog.get_logger(__name__)


async def run_daily(runtime: Runtime, today: date) -> dict[str, int]:
    """Everything due on ``today``; safe to run again (each change happens once)."""
    handed_over = 0
    async with runtime.db.session() as session:
        workflow = Workflow(runtime, session)
        for case in await workflow.cases.open_cases_with_birth_date():
            handed_over += await workflow.hand_over_at_18(case, today)
        reminders = await workflow.remind_enrichment_deadlines(today)
        overdue = await workflow.remind_overdue_follow_ups(today)
        await session.commit()
    runtime.relay.wake()
    return {"handed_over": handed_over, "enrichment_reminders": reminders, "overdue_follow_ups": overdue}


async def hourly(runtime: Runtime) -> None:
    while True:
        try:
            result = await run_daily(runtime, date.today())
            if any(result.values()):
                log.info("daily jobs ran", **result)
        except Exception as exc:  # the next hour tries again
            log.warning("daily jobs failed", error=type(exc).__name__)
        await asyncio.sleep(3600)


