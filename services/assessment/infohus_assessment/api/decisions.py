"""Decisions on an effort (indsats): deciding, leadership approval, and PET sign-off."""

from uuid import UUID

from fastapi import APIRouter

from infohus_platform.auth import GuardDep
from infohus_platform.runtime import RuntimeDep

from ..schemas import CaseSummaryPublic, DecisionCreate, DecisionMadePublic
from ..service import decisions as use_cases

router = APIRouter(prefix="/api/v1", tags=["cases"])


@router.post("/cases/{case_id}/decision", status_code=201)
async def decide(case_id: UUID, body: DecisionCreate, runtime: RuntimeDep, guard: GuardDep) -> DecisionMadePublic:
    return await use_cases.decide(runtime, guard, case_id, body)


@router.post("/cases/{case_id}/decisions/{decision_id}/approve")
async def approve(case_id: UUID, decision_id: UUID, runtime: RuntimeDep, guard: GuardDep) -> CaseSummaryPublic:
    return await use_cases.approve(runtime, guard, case_id, decision_id)


@router.post("/cases/{case_id}/decisions/{decision_id}/pet-signoff")
async def pet_signoff(case_id: UUID, decision_id: UUID, runtime: RuntimeDep, guard: GuardDep) -> CaseSummaryPublic:
    return await use_cases.sign_off_pet(runtime, guard, case_id, decision_id)
