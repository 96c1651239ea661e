"""Assessment's HTTP API."""

from uuid import UUID

from fastapi import APIRouter, HTTPException

from infohus_platform.service import RuntimeDep

from .storage import CaseRepository

router = APIRouter(prefix="/api/v1", tags=["cases"])


@router.get("/cases/by-concern/{concern_id}")
async def case_by_concern(concern_id: UUID, runtime: RuntimeDep) -> dict:
    async with runtime.db.session() as session:
        case = await CaseRepository(session).by_concern(str(concern_id))
    if case is None:
        raise HTTPException(404, detail="no case for that concern")
    return {
        "case_id": case.case_id,
        "concern_id": case.concern_id,
        "stage": case.stage,
        "lead": case.lead,
        "opened_at": case.opened_at,
    }
