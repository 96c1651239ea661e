"""Network's HTTP API: aggregates only."""

from fastapi import APIRouter

from infohus_platform.runtime import RuntimeDep

from .storage import AggregateCount, AggregateRepository

router = APIRouter(prefix="/api/v1", tags=["aggregates"])


@router.get("/aggregates", response_model=list[AggregateCount])
async def aggregates(runtime: RuntimeDep) -> list[AggregateCount]:
    async with runtime.db.session() as session:
        return await AggregateRepository(session).all()
