"""The daily jobs on demand: hand-over at 18 and the reminders, for a given day."""

from datetime import date

from fastapi import APIRouter

from infohus_platform.auth import GuardDep
from infohus_platform.runtime import RuntimeDep

from ..schemas import DailyJobsPublic
from ..service.daily_jobs import run_daily_on_request

router = APIRouter(prefix="/api/v1", tags=["cases"])


@router.post("/schedules/run")
async def run_schedules(runtime: RuntimeDep, guard: GuardDep, as_of: date | None = None) -> DailyJobsPublic:
    """Run the daily jobs for a day now (they also run hourly): hand-over at 18 and reminders."""
    return await run_daily_on_request(runtime, guard, as_of)
