"""Registry's HTTP API."""

from uuid import UUID

from fastapi import APIRouter, HTTPException

from infohus_platform.service import RuntimeDep

from .storage import Registration, RegistrationRepository

router = APIRouter(prefix="/api/v1", tags=["registrations"])


@router.get("/registrations/{concern_id}", response_model=Registration)
async def registration(concern_id: UUID, runtime: RuntimeDep) -> Registration:
    async with runtime.db.session() as session:
        found = await RegistrationRepository(session).get(str(concern_id))
    if found is None:
        raise HTTPException(404, detail="no registration for that concern")
    return found
