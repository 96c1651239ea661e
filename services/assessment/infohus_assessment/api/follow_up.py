"""Follow-up (opfølgning): recording one, and the overdue list."""

from datetime import date
from uuid import UUID

from fastapi import APIRouter

from infohus_platform.auth import GuardDep
from infohus_platform.runtime import RuntimeDep

from ..schemas import CaseSummaryPublic, FollowUpCreate
from ..service import follow_up as use_cases

router = APIRouter(prefix="/api/v1", tags=["cases"])


@router.post("/cases/{case_id}/follow-ups", status_code=201)
async def follow_up(case_id: UUID, body: FollowUpCreate, runtime: RuntimeDep, guard: GuardDep) -> CaseSummaryPublic:
    return await use_cases.record_follow_up(runtime, guard, case_id, body)


@router.get("/follow-ups/overdue")
async def overdue_follow_ups(runtime: RuntimeDep, guard: GuardDep,
                             as_of: date | None = None) -> list[CaseSummaryPublic]:
    return await use_cases.overdue_follow_ups(runtime, guard, as_of)
