"""Infohus Kommune meetings (møder)."""

from fastapi import APIRouter

from infohus_platform.auth import GuardDep
from infohus_platform.runtime import RuntimeDep

from ..schemas import MeetingCreate, MeetingPublic
from ..service import meetings as use_cases

router = APIRouter(prefix="/api/v1", tags=["cases"])


@router.post("/meetings", status_code=201)
async def convene_meeting(body: MeetingCreate, runtime: RuntimeDep, guard: GuardDep) -> MeetingPublic:
    return await use_cases.convene_meeting(runtime, guard, body)


@router.get("/meetings")
async def meetings(runtime: RuntimeDep, guard: GuardDep) -> list[MeetingPublic]:
    return await use_cases.list_meetings(runtime, guard)
