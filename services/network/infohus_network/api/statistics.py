"""Statistics routes: the municipalities' volumes as received, and the district's combined statistics."""

from typing import Annotated

from fastapi import APIRouter, Query

from infohus_platform.auth import GuardDep
from infohus_platform.runtime import RuntimeDep

from .. import schemas
from ..service import statistics as use_cases
from .access import STATISTICS, allow

router = APIRouter(prefix="/api/v1", tags=["statistics"])


@router.get("/aggregates", response_model=list[schemas.AggregateCountPublic])
async def aggregates(runtime: RuntimeDep, access: GuardDep) -> list[schemas.AggregateCountPublic]:
    """Each municipality's volume per month, as published (counts only, small cells suppressed)."""
    await allow(access, runtime, STATISTICS, "network_statistics")
    return await use_cases.aggregate_volumes(runtime)


@router.get("/statistics", response_model=schemas.StatisticsPublic)
async def statistics(
    runtime: RuntimeDep,
    access: GuardDep,
    period: Annotated[str, Query(max_length=7, description="YYYY-MM, YYYY-Qn, YYYY-Hn or YYYY")],
    by_municipality: bool = False,
) -> schemas.StatisticsPublic:
    """The district's statistics for a period: every municipality's cells combined, suppressed again."""
    await allow(access, runtime, STATISTICS, "network_statistics")
    return await use_cases.statistics(runtime, period, by_municipality)
