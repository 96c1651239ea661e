"""Retention of a registration: its schedule, legal holds, and an operator's run of the schedule."""

from datetime import date
from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Query

from infohus_platform.auth import GuardDep
from infohus_platform.runtime import RuntimeDep

from ..schemas import LegalHoldCreate, LegalHoldPublic, RetentionPublic, RetentionRunPublic
from ..service import retention

router = APIRouter(prefix="/api/v1/retention", tags=["retention"])


@router.get("/{concern_id}", response_model=RetentionPublic)
async def retention_of(concern_id: UUID, runtime: RuntimeDep, guard: GuardDep) -> RetentionPublic:
    return await retention.retention_of(runtime, guard, concern_id)


@router.post("/{concern_id}/hold", response_model=LegalHoldPublic)
async def set_hold(concern_id: UUID, body: LegalHoldCreate, runtime: RuntimeDep, guard: GuardDep) -> LegalHoldPublic:
    """A legal hold pauses deletion (e.g. a pending complaint, an access request, art. 17(3)(b))."""
    return await retention.set_legal_hold(runtime, guard, concern_id, body)


@router.post("/run", response_model=RetentionRunPublic)
async def run_now(runtime: RuntimeDep, guard: GuardDep,
                  as_of: Annotated[date | None, Query(description="erase what is due on this day")] = None,
                  ) -> RetentionRunPublic:
    return await retention.run_retention_now(runtime, guard, as_of)
