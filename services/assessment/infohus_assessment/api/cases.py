"""Cases: the list, one case, its history, the underretning question and closing."""

from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Query

from infohus_platform.auth import GuardDep
from infohus_platform.runtime import RuntimeDep

from ..schemas import (
    CaseCloseCreate,
    CaseDetailPublic,
    CaseEventPublic,
    CaseListedPublic,
    CaseSummaryPublic,
    UnderretningCreate,
)
from ..service import cases as use_cases

router = APIRouter(prefix="/api/v1", tags=["cases"])


@router.get("/cases")
async def list_cases(
    runtime: RuntimeDep, guard: GuardDep,
    stage: str | None = None, lead: str | None = None, urgent: bool | None = None,
    overdue: Annotated[bool, Query(description="only cases whose follow-up is overdue")] = False,
    limit: Annotated[int, Query(ge=1, le=1000, description="newest first (overdue: most overdue first)")] = 200,
) -> list[CaseListedPublic]:
    """The case list names each person, so every listed case is a logged read of its identity."""
    return await use_cases.list_cases(runtime, guard, stage=stage, lead=lead, urgent=urgent, overdue=overdue,
                                      limit=limit)


@router.get("/cases/by-concern/{concern_id}")
async def case_by_concern(concern_id: UUID, runtime: RuntimeDep, guard: GuardDep) -> CaseSummaryPublic:
    return await use_cases.case_by_concern(runtime, guard, concern_id)


@router.get("/cases/{case_id}")
async def read_case(case_id: UUID, runtime: RuntimeDep, guard: GuardDep) -> CaseDetailPublic:
    return await use_cases.read_case(runtime, guard, case_id)


@router.get("/cases/{case_id}/history")
async def case_history(case_id: UUID, runtime: RuntimeDep, guard: GuardDep) -> list[CaseEventPublic]:
    """Every state change of the case, as the events it put on Kafka, in order."""
    return await use_cases.case_history(runtime, guard, case_id)


@router.post("/cases/{case_id}/underretning")
async def underretning(case_id: UUID, body: UnderretningCreate, runtime: RuntimeDep,
                       guard: GuardDep) -> CaseSummaryPublic:
    return await use_cases.record_underretning(runtime, guard, case_id, body)


@router.post("/cases/{case_id}/close")
async def close(case_id: UUID, body: CaseCloseCreate, runtime: RuntimeDep, guard: GuardDep) -> CaseSummaryPublic:
    return await use_cases.close_case(runtime, guard, case_id, body)
