"""Network's HTTP API: the district forum (members, meetings, knowledge) and its statistics.

Thin: every route asks the access policy first (``network.*`` actions, the member's own police
district) and hands over to ``forum``. Nothing here takes or returns data about a case.
"""

from typing import Annotated

from fastapi import APIRouter, Header, Query, Request, Response, status

from infohus_platform.auth import GuardDep
from infohus_platform.errors import TooLarge
from infohus_platform.runtime import RuntimeDep

from . import forum, schemas
from .domain import KnowledgeKind, KnowledgeSource
from .storage import AggregateCount, AggregateRepository

READ, POST, MANAGE, STATISTICS = "network.read", "network.post", "network.meeting.manage", "network.statistics.read"

router = APIRouter(prefix="/api/v1")


async def allow(access: GuardDep, runtime: RuntimeDep, action: str, kind: str) -> None:
    district = runtime.settings.infohus_district  # type: ignore[attr-defined]
    await access.require(action, {"type": kind, "municipality_code": None, "police_district": district})


# -- statistics -------------------------------------------------------------------------------


@router.get("/aggregates", response_model=list[AggregateCount], tags=["statistics"])
async def aggregates(runtime: RuntimeDep, access: GuardDep) -> list[AggregateCount]:
    """Each municipality's volume per month, as published (counts only, small cells suppressed)."""
    await allow(access, runtime, STATISTICS, "network_statistics")
    async with runtime.db.session() as session:
        return await AggregateRepository(session).volumes()


@router.get("/statistics", response_model=schemas.StatisticsOut, tags=["statistics"])
async def statistics(
    runtime: RuntimeDep,
    access: GuardDep,
    request: Request,
    period: Annotated[str, Query(max_length=7, description="YYYY-MM, YYYY-Qn, YYYY-Hn or YYYY")],
    by_municipality: bool = False,
) -> schemas.StatisticsOut:
    """The district's statistics for a period: every municipality's cells combined, suppressed again."""
    await allow(access, runtime, STATISTICS, "network_statistics")
    k = await runtime.policy.k_threshold(runtime.settings.default_k_threshold)
    return await forum.statistics(runtime, period, k, by_municipality)


# -- district, members, municipalities --------------------------------------------------------


@router.get("/district", response_model=schemas.DistrictOut, tags=["district"])
async def district(runtime: RuntimeDep, access: GuardDep) -> schemas.DistrictOut:
    """The district, its municipalities, the meeting cadence and whether a meeting or summons is due."""
    await allow(access, runtime, READ, "network_district")
    return await forum.district(runtime)


@router.put("/district/cadence", response_model=schemas.DistrictOut, tags=["district"])
async def set_cadence(body: schemas.CadenceIn, runtime: RuntimeDep, access: GuardDep) -> schemas.DistrictOut:
    await allow(access, runtime, MANAGE, "network_district")
    return await forum.set_cadence(runtime, access.principal, body)


@router.get("/municipalities", response_model=list[schemas.MunicipalityOut], tags=["members"])
async def municipalities(runtime: RuntimeDep, access: GuardDep) -> list[schemas.MunicipalityOut]:
    """The district's municipalities with their coordinators and attending leaders."""
    await allow(access, runtime, READ, "network_member")
    return await forum.municipalities(runtime)


@router.get("/members", response_model=list[schemas.MemberOut], tags=["members"])
async def members(
    runtime: RuntimeDep, access: GuardDep,
    municipality_code: Annotated[str | None, Query(pattern=r"^\d{3}$")] = None, active: bool | None = None,
) -> list[schemas.MemberOut]:
    await allow(access, runtime, READ, "network_member")
    return await forum.members(runtime, municipality_code, active)


@router.post("/members", response_model=schemas.MemberOut, status_code=status.HTTP_201_CREATED, tags=["members"])
async def add_member(body: schemas.MemberIn, runtime: RuntimeDep, access: GuardDep) -> schemas.MemberOut:
    await allow(access, runtime, MANAGE, "network_member")
    return await forum.add_member(runtime, body)


@router.patch("/members/{member_id}", response_model=schemas.MemberOut, tags=["members"])
async def update_member(member_id: str, body: schemas.MemberPatch, runtime: RuntimeDep,
                        access: GuardDep) -> schemas.MemberOut:
    await allow(access, runtime, MANAGE, "network_member")
    return await forum.update_member(runtime, member_id, body)


# -- meetings ---------------------------------------------------------------------------------


@router.get("/meetings", response_model=list[schemas.MeetingOut], tags=["meetings"])
async def meetings(runtime: RuntimeDep, access: GuardDep) -> list[schemas.MeetingOut]:
    await allow(access, runtime, READ, "network_meeting")
    return await forum.meetings(runtime)


@router.post("/meetings", response_model=schemas.MeetingOut, status_code=status.HTTP_201_CREATED, tags=["meetings"])
async def plan_meeting(body: schemas.MeetingIn, runtime: RuntimeDep, access: GuardDep) -> schemas.MeetingOut:
    """Plan a meeting (a past date records an earlier meeting, for the history)."""
    await allow(access, runtime, MANAGE, "network_meeting")
    return await forum.plan_meeting(runtime, access.principal, body)


@router.get("/meetings/{meeting_id}", response_model=schemas.MeetingDetail, tags=["meetings"])
async def meeting(meeting_id: str, runtime: RuntimeDep, access: GuardDep) -> schemas.MeetingDetail:
    await allow(access, runtime, READ, "network_meeting")
    return await forum.meeting_detail(runtime, meeting_id)


@router.post("/meetings/{meeting_id}/agenda", response_model=schemas.AgendaItemOut,
             status_code=status.HTTP_201_CREATED, tags=["meetings"])
async def add_agenda_item(meeting_id: str, body: schemas.AgendaItemIn, runtime: RuntimeDep,
                          access: GuardDep) -> schemas.AgendaItemOut:
    await allow(access, runtime, POST, "network_meeting")
    return await forum.add_agenda_item(runtime, access.principal, meeting_id, body)


@router.post("/meetings/{meeting_id}/summon", response_model=list[schemas.InvitationOut], tags=["meetings"])
async def summon(meeting_id: str, runtime: RuntimeDep, access: GuardDep,
                 body: schemas.SummonIn | None = None) -> list[schemas.InvitationOut]:
    """Summon every active member, in good time (the district's notice days)."""
    await allow(access, runtime, MANAGE, "network_meeting")
    return await forum.summon(runtime, meeting_id, body or schemas.SummonIn())


@router.get("/meetings/{meeting_id}/invitations", response_model=list[schemas.InvitationOut], tags=["meetings"])
async def invitations(meeting_id: str, runtime: RuntimeDep, access: GuardDep) -> list[schemas.InvitationOut]:
    await allow(access, runtime, MANAGE, "network_meeting")
    return await forum.invitations(runtime, meeting_id)


@router.post("/meetings/{meeting_id}/cancel", response_model=schemas.MeetingOut, tags=["meetings"])
async def cancel(meeting_id: str, runtime: RuntimeDep, access: GuardDep) -> schemas.MeetingOut:
    await allow(access, runtime, MANAGE, "network_meeting")
    return await forum.cancel(runtime, meeting_id)


@router.put("/meetings/{meeting_id}/attendance", response_model=schemas.MeetingDetail, tags=["meetings"])
async def attendance(meeting_id: str, body: schemas.AttendanceIn, runtime: RuntimeDep,
                     access: GuardDep) -> schemas.MeetingDetail:
    await allow(access, runtime, MANAGE, "network_meeting")
    return await forum.record_attendance(runtime, access.principal, meeting_id, body)


@router.put("/meetings/{meeting_id}/minutes", response_model=schemas.MinutesOut, tags=["meetings"])
async def minutes(meeting_id: str, body: schemas.MinutesIn, runtime: RuntimeDep,
                  access: GuardDep) -> schemas.MinutesOut:
    await allow(access, runtime, POST, "network_meeting")
    return await forum.write_minutes(runtime, access.principal, meeting_id, body)


@router.get("/engagement", response_model=schemas.EngagementOut, tags=["meetings"])
async def engagement(runtime: RuntimeDep, access: GuardDep,
                     meetings: Annotated[int, Query(ge=1, le=24)] = 4) -> schemas.EngagementOut:
    """Attendance and contributions per municipality over the last held meetings: who is drifting away."""
    await allow(access, runtime, READ, "network_meeting")
    return await forum.engagement(runtime, meetings)


# -- knowledge --------------------------------------------------------------------------------


@router.post("/knowledge", response_model=schemas.KnowledgeOut, status_code=status.HTTP_201_CREATED,
             tags=["knowledge"])
async def post_knowledge(body: schemas.KnowledgeIn, runtime: RuntimeDep, access: GuardDep) -> schemas.KnowledgeOut:
    await allow(access, runtime, POST, "network_post")
    return await forum.post_knowledge(runtime, access.principal, body)


@router.get("/knowledge", response_model=list[schemas.KnowledgeOut], tags=["knowledge"])
async def search_knowledge(
    runtime: RuntimeDep,
    access: GuardDep,
    q: Annotated[str | None, Query(max_length=200, description="words in title, body, tags or attachments")] = None,
    kind: KnowledgeKind | None = None,
    source: KnowledgeSource | None = None,
    tag: Annotated[str | None, Query(max_length=40)] = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
) -> list[schemas.KnowledgeOut]:
    await allow(access, runtime, READ, "network_post")
    return await forum.search_knowledge(runtime, q, kind, source, tag, limit)


@router.get("/knowledge/{post_id}", response_model=schemas.KnowledgeOut, tags=["knowledge"])
async def knowledge_post(post_id: str, runtime: RuntimeDep, access: GuardDep) -> schemas.KnowledgeOut:
    await allow(access, runtime, READ, "network_post")
    return await forum.knowledge_post(runtime, post_id)


@router.post("/knowledge/{post_id}/attachments", response_model=schemas.AttachmentOut,
             status_code=status.HTTP_201_CREATED, tags=["knowledge"])
async def add_attachment(
    post_id: str,
    request: Request,
    runtime: RuntimeDep,
    access: GuardDep,
    filename: Annotated[str, Query(pattern=schemas.FILENAME_PATTERN, max_length=120)],
    content_type: Annotated[str, Header()],
    confirms_no_individual_case: bool = False,
) -> schemas.AttachmentOut:
    """Upload an attachment as the raw request body (PDF, text, Markdown, Word, PowerPoint)."""
    await allow(access, runtime, POST, "network_post")
    limit = runtime.settings.attachment_max_bytes  # type: ignore[attr-defined]
    data = await _read_body(request, limit)
    return await forum.add_attachment(runtime, access.principal, post_id, filename, content_type, data,
                                      confirms_no_individual_case)


@router.get("/knowledge/{post_id}/attachments/{attachment_id}", tags=["knowledge"],
            response_class=Response, responses={200: {"content": {"application/octet-stream": {}}}})
async def attachment(post_id: str, attachment_id: str, runtime: RuntimeDep, access: GuardDep) -> Response:
    await allow(access, runtime, READ, "network_post")
    found, disposition = await forum.attachment(runtime, post_id, attachment_id)
    return Response(found.data, media_type=found.content_type,
                    headers={"Content-Disposition": disposition, "X-Content-Type-Options": "nosniff"})


async def _read_body(request: Request, limit: int) -> bytes:
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > limit:
        raise TooLarge("body", f"the attachment is larger than {limit} bytes")
    data = bytearray()
    async for chunk in request.stream():
        data += chunk
        if len(data) > limit:
            raise TooLarge("body", f"the attachment is larger than {limit} bytes")
    return bytes(data)
