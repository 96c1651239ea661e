"""The initial assessment of a case (indledende vurdering)."""

from uuid import UUID

from fastapi import APIRouter

from infohus_platform.auth import GuardDep
from infohus_platform.runtime import RuntimeDep

from ..schemas import CaseSummaryPublic, InitialAssessmentCreate
from ..service.initial_assessment import make_initial_assessment

router = APIRouter(prefix="/api/v1", tags=["cases"])


@router.post("/cases/{case_id}/initial-assessment")
async def initial_assessment(case_id: UUID, body: InitialAssessmentCreate, runtime: RuntimeDep,
                             guard: GuardDep) -> CaseSummaryPublic:
    return await make_initial_assessment(runtime, guard, case_id, body)
