"""Assessments with the national tool (vurderingsværktøjet), the tool itself, and comparisons."""

from uuid import UUID

from fastapi import APIRouter

from infohus_platform.auth import GuardDep
from infohus_platform.runtime import RuntimeDep

from ..schemas import AssessmentComparisonPublic, AssessmentCreate, AssessmentPublic, InstrumentPublic
from ..service import assessments as use_cases

router = APIRouter(prefix="/api/v1", tags=["cases"])


@router.post("/cases/{case_id}/assessments", status_code=201)
async def assess(case_id: UUID, body: AssessmentCreate, runtime: RuntimeDep, guard: GuardDep) -> AssessmentPublic:
    return await use_cases.assess(runtime, guard, case_id, body)


@router.get("/instruments/current")
async def current_instrument() -> InstrumentPublic:
    return use_cases.current_instrument()


@router.get("/assessments/compare", responses={404: {"description": "No such assessment, or none this caller may "
                                                                   "know of."}})
async def compare_assessments(first: UUID, second: UUID, runtime: RuntimeDep,
                              guard: GuardDep) -> AssessmentComparisonPublic:
    """Two assessments of the same person side by side, dimension by dimension."""
    return await use_cases.compare_assessments(runtime, guard, first, second)
