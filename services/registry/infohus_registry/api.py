"""Registry's HTTP API."""

from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, HTTPException, Query

from infohus_platform.auth import GuardDep, resource
from infohus_platform.runtime import RuntimeDep

from .domain import REGISTRATION_CLASSES, municipality_statistics
from .storage import Registration, RegistrationRepository

router = APIRouter(prefix="/api/v1", tags=["registrations"])


LISTED_FIELDS = ("concern_id", "received_at", "period", "municipality_code", "channel", "source_category",
                 "age_band", "concern_level", "outcome", "effort_level", "lead", "closed_at")


@router.get("/registrations")
async def registrations(
    runtime: RuntimeDep,
    guard: GuardDep,
    period: Annotated[str | None, Query(pattern=r"^\d{4}-(0[1-9]|1[0-2])$", description="YYYY-MM")] = None,
    open_only: Annotated[bool, Query(alias="open", description="only concerns not closed")] = False,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
) -> list[dict]:
    """The municipality's basic registrations, newest first: the fields that identify an entry, no free text.

    Every listed registration is a logged read; the whole registration is one more read away.
    """
    municipality = guard.principal.municipality_code
    decision = await guard.require("registration.list", resource("registration", municipality), log_now=False)
    classes = sorted({Registration.__data_classes__[name] for name in LISTED_FIELDS})
    async with runtime.db.session() as session:
        rows = await RegistrationRepository(session).listing(municipality, period, open_only, limit)
        await guard.record(session, decision, "registration.list", subjects=[row.concern_id for row in rows],
                                data_classes=classes)
        await session.commit()
    return [row.model_dump(mode="json", include=set(LISTED_FIELDS)) for row in rows]


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
