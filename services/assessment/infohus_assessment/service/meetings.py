"""Infohus Kommune meetings (møder): convening one with its agenda of open cases, and the list."""

from datetime import datetime
from uuid import uuid4

from infohus_contracts.case.notifications import NotificationKind
from infohus_platform.auth import Guard, resource, visible_municipalities
from infohus_platform.errors import RuleViolation
from infohus_platform.runtime import Runtime

from .. import domain
from ..domain import utcnow
from ..schemas import MeetingCreate, MeetingPublic
from ..storage import CaseRepository, Meeting
from .case_steps import CaseWork, staff_role


async def convene_meeting(runtime: Runtime, guard: Guard, body: MeetingCreate) -> MeetingPublic:
    principal = guard.principal
    municipality = principal.municipality_code
    await guard.require("meeting.manage", resource("meeting", municipality))
    if municipality is None:
        raise RuleViolation("municipality_code", "your token names no municipality")
    async with runtime.db.session() as session:
        work = CaseWork(runtime, session)
        when = body.scheduled_for
        if when is None and body.kind == "regular":
            last = await work.cases.last_meeting(municipality)
            when = domain.next_regular_meeting(last.scheduled_for if last else None, domain.utcnow())
        if when is None:
            raise RuleViolation("scheduled_for", "required for an urgent or next-day meeting")
        meeting = await convene(work, municipality, principal.user_id, body.kind, domain.as_utc(when))
        await session.commit()
        return MeetingPublic.model_validate(meeting.model_dump())


async def convene(work: CaseWork, municipality_code: str, actor: str, kind: str, scheduled_for: datetime) -> Meeting:
    """The agenda lists the open cases, urgent ones first; the coordinators are summoned."""
    domain.check_meeting_date(kind, scheduled_for, utcnow())
    open_cases = await work.cases.cases([municipality_code], open_only=True)
    agenda = [{"case_id": c.case_id, "stage": c.stage, "urgent": c.urgent, "lead": c.lead}
              for c in sorted(open_cases, key=lambda c: (not c.urgent, c.opened_at))]
    meeting = Meeting(meeting_id=str(uuid4()), municipality_code=municipality_code, kind=kind,
                      scheduled_for=scheduled_for, agenda=agenda, convened_by=actor, convened_at=utcnow())
    work.cases.add(meeting)
    work.notify(municipality_code, NotificationKind.MEETING_SUMMONS,
                [staff_role("ssp_coordinator"), staff_role("police_coordinator")], due_at=scheduled_for,
                meeting=meeting)
    return meeting


async def list_meetings(runtime: Runtime, guard: Guard) -> list[MeetingPublic]:
    scope = visible_municipalities(guard.principal)
    await guard.require("meeting.read", resource("meeting", scope[0] if scope else None))
    async with runtime.db.session() as session:
        return [MeetingPublic.model_validate(m.model_dump()) for m in await CaseRepository(session).meetings(scope)]
