"""The basic registrations and the municipality's own statistics."""

from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Query

from infohus_platform.auth import GuardDep
from infohus_platform.runtime import RuntimeDep

from ..schemas import RegistrationEntryPublic, RegistrationPublic, StatisticsPublic
from ..service import registrations as registration_cases
from ..service.statistics import own_statistics

router = APIRouter(prefix="/api/v1", tags=["registrations"])

PERIOD = r"^\d{4}-(0[1-9]|1[0-2])$"


@router.get("/registrations", response_model=list[RegistrationEntryPublic])
async def registrations(
    runtime: RuntimeDep,
    guard: GuardDep,
    period: Annotated[str | None, Query(pattern=PERIOD, description="YYYY-MM")] = None,
    open_only: Annotated[bool, Query(alias="open", description="only concerns not closed")] = False,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
) -> list[RegistrationEntryPublic]:
    """The municipality's basic registrations, newest first: the fields that identify an entry, no free text.

    Every listed registration is a logged read; the whole registration is one more read away.
    """
    return await registration_cases.list_registrations(runtime, guard, period, open_only, limit)


@router.get("/registrations/{concern_id}", response_model=RegistrationPublic)
async def registration(concern_id: UUID, runtime: RuntimeDep, guard: GuardDep) -> RegistrationPublic:
    return await registration_cases.read_registration(runtime, guard, concern_id)


@router.get("/statistics", response_model=StatisticsPublic)
async def statistics(
    runtime: RuntimeDep,
    guard: GuardDep,
    period_from: Annotated[str | None, Query(alias="from", pattern=PERIOD)] = None,
    period_to: Annotated[str | None, Query(alias="to", pattern=PERIOD)] = None,
) -> StatisticsPublic:
    """The municipality's own statistics: volume, concern levels, sources, age bands, outcomes, efforts."""
    return await own_statistics(runtime, guard, period_from, period_to)
