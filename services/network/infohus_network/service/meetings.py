"""The forum's meetings (netværksmøder): planning, agenda, summons, attendance and minutes.

A summons records the invitations here and stages the meeting summons for notify (which e-mails
them) in the same transaction, through the outbox and the share policy: ids, the start and the
members' work addresses, never the agenda's text.
"""

from collections import Counter
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from uuid import UUID, uuid4

from sqlmodel.ext.asyncio.session import AsyncSession

from infohus_contracts.base.summons import MeetingParticipant, MeetingSummonsRequested, MeetingUrgency
from infohus_contracts.base.topics import NETWORK_SUMMONS
from infohus_platform.auth import Principal
from infohus_platform.errors import RuleViolation
from infohus_platform.messaging.outbox import Share, stage_event, utcnow
from infohus_platform.runtime import Runtime

from .. import domain, schemas
from ..settings import NetworkSettings
from ..storage import AgendaItem, Attendance, ForumRepository, Invitation, Meeting, Member, Minutes
from .shared import author_municipality, district_config, meeting_or_not_found, network_settings, screen_free_text

# Members per meeting-summons request: one request to notify names at most this many participants.
SUMMONS_BATCH = 50
# A meeting summoned less than this ahead is urgent to notify.
URGENT_WITHIN = timedelta(days=7)


def meeting_public(meeting: Meeting) -> schemas.MeetingPublic:
    return schemas.MeetingPublic.model_validate(meeting, from_attributes=True)


async def plan_meeting(runtime: Runtime, principal: Principal, body: schemas.MeetingCreate) -> schemas.MeetingPublic:
    screen_free_text(runtime, {"title": body.title, "location": body.location})
    meeting = Meeting(title=body.title.strip(), starts_at=domain.aware(body.starts_at).astimezone(UTC),
                      location=body.location, convened_by_user_id=principal.user_id,
                      convened_by_name=principal.name[:200])
    async with runtime.db.session() as session:
        ForumRepository(session).add(meeting)
        await session.commit()
    return meeting_public(meeting)


async def meetings(runtime: Runtime) -> list[schemas.MeetingPublic]:
    async with runtime.db.session() as session:
        return [meeting_public(m) for m in await ForumRepository(session).meetings()]


async def meeting_detail(runtime: Runtime, meeting_id: str) -> schemas.MeetingDetailPublic:
    async with runtime.db.session() as session:
        repo = ForumRepository(session)
        meeting = await meeting_or_not_found(repo, meeting_id)
        agenda = await repo.agenda(meeting_id)
        invitations = await repo.invitations(meeting_id)
        attendance = await repo.attendance(meeting_id)
        names = {m.id: m.name for m in await repo.members()}
        minutes = await repo.minutes(meeting_id)
    return schemas.MeetingDetailPublic(
        **meeting_public(meeting).model_dump(),
        agenda=[schemas.AgendaItemPublic.model_validate(a, from_attributes=True) for a in agenda],
        invitations=dict(Counter(i.status for i in invitations)),
        attendance=[
            schemas.AttendancePublic(member_id=a.member_id, member_name=names.get(a.member_id, ""),
                                  municipality_code=a.municipality_code, status=domain.AttendanceStatus(a.status),
                                  recorded_at=a.recorded_at)
            for a in attendance
        ],
        minutes=schemas.MinutesPublic.model_validate(minutes, from_attributes=True) if minutes else None,
        agenda_by_municipality=dict(Counter(a.proposer_municipality_code or "police" for a in agenda)),
    )


async def add_agenda_item(runtime: Runtime, principal: Principal, meeting_id: str,
                          body: schemas.AgendaItemCreate) -> schemas.AgendaItemPublic:
    screen_free_text(runtime, {"title": body.title, "description": body.description},
                     body.confirms_no_individual_case, post=True)
    async with runtime.db.session() as session:
        repo = ForumRepository(session)
        meeting = await meeting_or_not_found(repo, meeting_id)
        domain.check_open(meeting.status)
        position = len(await repo.agenda(meeting_id)) + 1
        item = AgendaItem(meeting_id=meeting_id, position=position, title=body.title.strip(),
                          description=body.description, duration_minutes=body.duration_minutes,
                          proposed_by_user_id=principal.user_id, proposed_by_name=principal.name[:200],
                          proposer_municipality_code=author_municipality(runtime, principal))
        repo.add(item)
        await session.commit()
    return schemas.AgendaItemPublic.model_validate(item, from_attributes=True)


async def summon(runtime: Runtime, meeting_id: str, body: schemas.SummonsCreate) -> list[schemas.InvitationPublic]:
    """Invite every active member not yet invited (indkaldelse), in good time (the district's notice days)."""
    settings = network_settings(runtime)
    now = utcnow()
    async with runtime.db.session() as session:
        repo = ForumRepository(session)
        meeting = await meeting_or_not_found(repo, meeting_id)
        config = await district_config(repo, settings)
        domain.check_summon(meeting.starts_at, meeting.status, now, config.summon_notice_days, body.allow_short_notice)
        invited = {i.member_id for i in await repo.invitations(meeting_id)}
        new = [m for m in await repo.members(active=True) if m.id not in invited]
        for member in new:
            repo.add(Invitation(meeting_id=meeting_id, member_id=member.id, email=member.email))
        for start in range(0, len(new), SUMMONS_BATCH):
            _stage_summons(session, settings, meeting, new[start:start + SUMMONS_BATCH], now)
        meeting.status = domain.MeetingStatus.SUMMONED.value
        meeting.summoned_at = meeting.summoned_at or now
        repo.add(meeting)
        await session.commit()
        invitations = await repo.invitations(meeting_id)
    return [schemas.InvitationPublic.model_validate(i, from_attributes=True) for i in invitations]


def _stage_summons(session: AsyncSession, settings: NetworkSettings, meeting: Meeting, members: Sequence[Member],
                   now: datetime) -> None:
    """A meeting summons for notify: ids, the start and the members' work addresses, no agenda text."""
    urgent = domain.aware(meeting.starts_at) - now < URGENT_WITHIN
    summons = MeetingSummonsRequested(
        notification_id=uuid4(), police_district=settings.infohus_district, meeting_id=UUID(meeting.id),
        starts_at=meeting.starts_at, meeting_urgency=MeetingUrgency.URGENT if urgent else MeetingUrgency.REGULAR,
        participants=[MeetingParticipant(email=m.email) for m in members], requested_at=now,
        link_path=f"/netvaerk/moeder/{meeting.id}",
    )
    stage_event(session, settings, topic=NETWORK_SUMMONS, body=summons, key=meeting.id,
                share=Share.of(summons, recipient_kind="internal", purpose="prevention"))


async def invitations(runtime: Runtime, meeting_id: str) -> list[schemas.InvitationPublic]:
    async with runtime.db.session() as session:
        repo = ForumRepository(session)
        await meeting_or_not_found(repo, meeting_id)
        found = await repo.invitations(meeting_id)
        return [schemas.InvitationPublic.model_validate(i, from_attributes=True) for i in found]


async def cancel(runtime: Runtime, meeting_id: str) -> schemas.MeetingPublic:
    async with runtime.db.session() as session:
        repo = ForumRepository(session)
        meeting = await meeting_or_not_found(repo, meeting_id)
        meeting.status, meeting.cancelled_at = domain.MeetingStatus.CANCELLED.value, utcnow()
        repo.add(meeting)
        await session.commit()
    return meeting_public(meeting)


async def record_attendance(runtime: Runtime, principal: Principal, meeting_id: str,
                            body: schemas.AttendanceUpdate) -> schemas.MeetingDetailPublic:
    async with runtime.db.session() as session:
        repo = ForumRepository(session)
        meeting = await meeting_or_not_found(repo, meeting_id)
        domain.check_after_start(meeting.starts_at, meeting.status, utcnow(), "attendance")
        for i, entry in enumerate(body.entries):
            member = await repo.member(entry.member_id)
            if member is None:
                raise RuleViolation(f"entries.{i}.member_id", "not a member of the network")
            row = await repo.attendance_of(meeting_id, member.id) or Attendance(
                meeting_id=meeting_id, member_id=member.id, status=entry.status.value, recorded_by=principal.user_id)
            # The member's municipality as it is now: engagement counts the municipality that attended.
            row.status, row.municipality_code = entry.status.value, member.municipality_code
            row.recorded_at, row.recorded_by = utcnow(), principal.user_id
            repo.add(row)
        await session.commit()
    return await meeting_detail(runtime, meeting_id)


async def write_minutes(runtime: Runtime, principal: Principal, meeting_id: str,
                        body: schemas.MinutesUpdate) -> schemas.MinutesPublic:
    screen_free_text(runtime, {"body": body.body}, body.confirms_no_individual_case, post=True)
    async with runtime.db.session() as session:
        repo = ForumRepository(session)
        meeting = await meeting_or_not_found(repo, meeting_id)
        domain.check_after_start(meeting.starts_at, meeting.status, utcnow(), "minutes")
        minutes = await repo.minutes(meeting_id) or Minutes(meeting_id=meeting_id, body="", author_user_id="")
        minutes.body, minutes.author_user_id, minutes.author_name = body.body, principal.user_id, principal.name[:200]
        minutes.updated_at = utcnow()
        repo.add(minutes)
        await session.commit()
    return schemas.MinutesPublic.model_validate(minutes, from_attributes=True)
