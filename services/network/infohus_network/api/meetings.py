"""Meeting routes: plan, agenda, summon, invitations, cancel, attendance, minutes; and engagement."""

from typing import Annotated

from fastapi import APIRouter, Query, status

from infohus_platform.auth import GuardDep
from infohus_platform.runtime import RuntimeDep

from .. import schemas
from ..service import engagement as engagement_use_cases
from ..service import meetings as use_cases
from .access import MANAGE, POST, READ, allow

router = APIRouter(prefix="/api/v1", tags=["meetings"])


@router.get("/meetings", response_model=list[schemas.MeetingPublic])
async def meetings(runtime: RuntimeDep, access: GuardDep) -> list[schemas.MeetingPublic]:
    await allow(access, runtime, READ, "network_meeting")
    return await use_cases.meetings(runtime)


@router.post("/meetings", response_model=schemas.MeetingPublic, status_code=status.HTTP_201_CREATED)
async def plan_meeting(body: schemas.MeetingCreate, runtime: RuntimeDep, access: GuardDep) -> schemas.MeetingPublic:
    """Plan a meeting (a past date records an earlier meeting, for the history)."""
    await allow(access, runtime, MANAGE, "network_meeting")
    return await use_cases.plan_meeting(runtime, access.principal, body)


@router.get("/meetings/{meeting_id}", response_model=schemas.MeetingDetailPublic)
async def meeting(meeting_id: str, runtime: RuntimeDep, access: GuardDep) -> schemas.MeetingDetailPublic:
    await allow(access, runtime, READ, "network_meeting")
    return await use_cases.meeting_detail(runtime, meeting_id)


@router.post("/meetings/{meeting_id}/agenda", response_model=schemas.AgendaItemPublic,
             status_code=status.HTTP_201_CREATED)
async def add_agenda_item(meeting_id: str, body: schemas.AgendaItemCreate, runtime: RuntimeDep,
                          access: GuardDep) -> schemas.AgendaItemPublic:
    await allow(access, runtime, POST, "network_meeting")
    return await use_cases.add_agenda_item(runtime, access.principal, meeting_id, body)


@router.post("/meetings/{meeting_id}/summon", response_model=list[schemas.InvitationPublic])
async def summon(meeting_id: str, runtime: RuntimeDep, access: GuardDep,
                 body: schemas.SummonsCreate | None = None) -> list[schemas.InvitationPublic]:
    """Summon every active member, in good time (the district's notice days)."""
    await allow(access, runtime, MANAGE, "network_meeting")
    return await use_cases.summon(runtime, meeting_id, body or schemas.SummonsCreate())


@router.get("/meetings/{meeting_id}/invitations", response_model=list[schemas.InvitationPublic])
async def invitations(meeting_id: str, runtime: RuntimeDep, access: GuardDep) -> list[schemas.InvitationPublic]:
    await allow(access, runtime, MANAGE, "network_meeting")
    return await use_cases.invitations(runtime, meeting_id)


@router.post("/meetings/{meeting_id}/cancel", response_model=schemas.MeetingPublic)
async def cancel(meeting_id: str, runtime: RuntimeDep, access: GuardDep) -> schemas.MeetingPublic:
    await allow(access, runtime, MANAGE, "network_meeting")
    return await use_cases.cancel(runtime, meeting_id)


@router.put("/meetings/{meeting_id}/attendance", response_model=schemas.MeetingDetailPublic)
async def attendance(meeting_id: str, body: schemas.AttendanceUpdate, runtime: RuntimeDep,
                     access: GuardDep) -> schemas.MeetingDetailPublic:
    await allow(access, runtime, MANAGE, "network_meeting")
    return await use_cases.record_attendance(runtime, access.principal, meeting_id, body)


@router.put("/meetings/{meeting_id}/minutes", response_model=schemas.MinutesPublic)
async def minutes(meeting_id: str, body: schemas.MinutesUpdate, runtime: RuntimeDep,
                  access: GuardDep) -> schemas.MinutesPublic:
    await allow(access, runtime, POST, "network_meeting")
    return await use_cases.write_minutes(runtime, access.principal, meeting_id, body)


@router.get("/engagement", response_model=schemas.EngagementPublic)
async def engagement(runtime: RuntimeDep, access: GuardDep,
                     meetings: Annotated[int, Query(ge=1, le=24)] = 4) -> schemas.EngagementPublic:
    """Attendance and contributions per municipality over the last held meetings: who is drifting away."""
    await allow(access, runtime, READ, "network_meeting")
    return await engagement_use_cases.engagement(runtime, meetings)
