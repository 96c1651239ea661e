"""Registry's HTTP API."""

from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, HTTPException, Query

from infohus_platform.auth import GuardDep, resource
from infohus_platform.runtime import RuntimeDep

from .domain import REGISTRATION_CLASSES, municipality_statistics
from .storage import Registration, RegistrationRepository

router = APIRouter(prefix="/api/v1", tags=["registrations"])


@router.get("/registrations/{concern_id}", response_model=Registration)
async def registration(concern_id: UUID, runtime: RuntimeDep, guard: GuardDep) -> Registration:
    async with runtime.db.session() as session:
        found = await RegistrationRepository(session).get(str(concern_id))
    if found is None:
        raise HTTPException(404, detail="no registration for that concern")
    await guard.require("registration.read", resource("registration", found.municipality_code),
                        subject_ref=found.concern_id, data_classes=REGISTRATION_CLASSES)
    return found


@router.get("/statistics")
async def statistics(
    runtime: RuntimeDep,
    guard: GuardDep,
    period_from: Annotated[str | None, Query(alias="from", pattern=r"^\d{4}-(0[1-9]|1[0-2])$")] = None,
    period_to: Annotated[str | None, Query(alias="to", pattern=r"^\d{4}-(0[1-9]|1[0-2])$")] = None,
) -> dict:
    """The municipality's own statistics: volume, concern levels, sources, age bands, outcomes, efforts."""
    municipality = guard.principal.municipality_code
    await guard.require("statistics.read", resource("statistics", municipality))
    async with runtime.db.session() as session:
        rows = await RegistrationRepository(session).in_periods(municipality, period_from, period_to)
    return municipality_statistics(rows, period_from, period_to)
