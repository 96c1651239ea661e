"""The forum's use cases: screen, check the rules, store. Routes call these; handlers do not.

Every text that reaches the database went through ``freetext.screen`` first, and every post
(agenda item, minutes, knowledge, attachment) carries the author's confirmation that it describes
no individual case.
"""

import hashlib
from collections import Counter
from datetime import UTC, datetime, timedelta
from urllib.parse import quote
from uuid import UUID, uuid4

import structlog

from infohus_contracts.base.municipalities import municipality_name
from infohus_contracts.base.summons import MeetingParticipant, MeetingSummonsRequested, MeetingUrgency
from infohus_contracts.base.topics import NETWORK_SUMMONS
from infohus_platform.auth import Principal
from infohus_platform.errors import NotFound, RuleViolation
from infohus_platform.messaging.outbox import Share, stage_event, utcnow
from infohus_platform.runtime import Runtime

from . import documents, domain, freetext, schemas
from .metrics import network_metrics
from .settings import NetworkSettings
from .storage import (
    AgendaItem,
    AggregateRepository,
    Attachment,
    Attendance,
    DistrictConfig,
    ForumRepository,
    Invitation,
    KnowledgePost,
    Meeting,
    Member,
    Minutes,
)

log = structlog.get_logger(__name__)


def _settings(runtime: Runtime) -> NetworkSettings:
    settings = runtime.settings
    assert isinstance(settings, NetworkSettings)
    return settings


def _screen(runtime: Runtime, fields: dict, confirmed: bool | None = None, *, post: bool = False) -> None:
    try:
        freetext.screen(fields, utcnow().date())
        if post:
            freetext.require_confirmation(confirmed)
    except freetext.FreeTextRefused as refused:
        # Counted and logged by kind and field only; the text is never logged or echoed.
        network_metrics(runtime).refusals.labels(refused.kind.value).inc()
        log.info("free text refused", field=refused.field, kind=refused.kind.value)
        raise


def _author_municipality(runtime: Runtime, principal: Principal) -> str | None:
    """The author's municipality, if it is one of the district's; otherwise the police side."""
    code = principal.municipality_code
    return code if code and domain.in_district(code, _settings(runtime).infohus_district) else None


def _aware(moment: datetime) -> datetime:
    return domain.aware(moment)


# -- district ---------------------------------------------------------------------------------


async def _config(repo: ForumRepository, settings: NetworkSettings) -> DistrictConfig:
    config = await repo.district_config(settings.infohus_district)
    return config or DistrictConfig(district=settings.infohus_district, cadence_months=settings.default_cadence_months,
                                    summon_notice_days=settings.default_summon_notice_days)


async def district(runtime: Runtime) -> schemas.DistrictOut:
    settings = _settings(runtime)
    now = utcnow()
    async with runtime.db.session() as session:
        repo = ForumRepository(session)
        config = await _config(repo, settings)
        meetings = [m for m in await repo.meetings() if m.status != domain.MeetingStatus.CANCELLED]
    past = [m for m in meetings if _aware(m.starts_at) <= now]
    future = [m for m in meetings if _aware(m.starts_at) > now]
    cadence = domain.Cadence(
        months=config.cadence_months, notice_days=config.summon_notice_days,
        last_meeting_at=past[-1].starts_at if past else None,
        next_meeting_at=future[0].starts_at if future else None,
        next_meeting_summoned=bool(future and future[0].summoned_at),
    )
    codes = domain.district_municipalities(settings.infohus_district)
    return schemas.DistrictOut(
        district=settings.infohus_district, name=domain.district_name(settings.infohus_district),
        municipalities=[schemas.MunicipalityRef(code=c, name=municipality_name(c) or c) for c in codes],
        **cadence.status(now),
    )


async def set_cadence(runtime: Runtime, principal: Principal, body: schemas.CadenceIn) -> schemas.DistrictOut:
    settings = _settings(runtime)
    async with runtime.db.session() as session:
        repo = ForumRepository(session)
        config = await _config(repo, settings)
        config.cadence_months, config.summon_notice_days = body.cadence_months, body.summon_notice_days
        config.updated_at, config.updated_by = utcnow(), principal.user_id
        repo.add(config)
        await session.commit()
    return await district(runtime)


# -- members ----------------------------------------------------------------------------------


def member_out(member: Member) -> schemas.MemberOut:
    return schemas.MemberOut(
        id=member.id, name=member.name, email=member.email, role=domain.MemberRole(member.role),
        municipality_code=member.municipality_code,
        municipality_name=municipality_name(member.municipality_code) if member.municipality_code else None,
        hands_knowledge_on_to=member.hands_knowledge_on_to, active=member.active, created_at=member.created_at,
    )


async def add_member(runtime: Runtime, body: schemas.MemberIn) -> schemas.MemberOut:
    _screen(runtime, {"name": body.name, "email": body.email, "hands_knowledge_on_to": body.hands_knowledge_on_to})
    district = _settings(runtime).infohus_district
    domain.check_member(body.role, body.municipality_code, body.hands_knowledge_on_to, district)
    member = Member(name=body.name.strip(), email=body.email.strip().lower(), role=body.role.value,
                    municipality_code=body.municipality_code, hands_knowledge_on_to=body.hands_knowledge_on_to)
    async with runtime.db.session() as session:
        ForumRepository(session).add(member)
        await session.commit()
    return member_out(member)


async def update_member(runtime: Runtime, member_id: str, body: schemas.MemberPatch) -> schemas.MemberOut:
    _screen(runtime, {"name": body.name, "email": body.email, "hands_knowledge_on_to": body.hands_knowledge_on_to})
    async with runtime.db.session() as session:
        repo = ForumRepository(session)
        member = await repo.member(member_id)
        if member is None:
            raise NotFound("member")
        changes = body.model_dump(exclude_unset=True)
        changes = {k: v for k, v in changes.items() if v is not None or k == "hands_knowledge_on_to"}
        if "email" in changes:
            changes["email"] = changes["email"].strip().lower()
        role = domain.MemberRole(changes.get("role") or member.role)
        hands_on = changes.get("hands_knowledge_on_to", member.hands_knowledge_on_to)
        domain.check_member(role, member.municipality_code, hands_on, _settings(runtime).infohus_district)
        for key, value in changes.items():
            setattr(member, key, value.value if isinstance(value, domain.MemberRole) else value)
        repo.add(member)
        await session.commit()
        return member_out(member)


async def members(runtime: Runtime, municipality_code: str | None, active: bool | None) -> list[schemas.MemberOut]:
    async with runtime.db.session() as session:
        return [member_out(m) for m in await ForumRepository(session).members(municipality_code, active)]


async def municipalities(runtime: Runtime) -> list[schemas.MunicipalityOut]:
    settings = _settings(runtime)
    async with runtime.db.session() as session:
        everyone = await ForumRepository(session).members(active=True)
    out = []
    for code in domain.district_municipalities(settings.infohus_district):
        mine = [m for m in everyone if m.municipality_code == code]
        out.append(schemas.MunicipalityOut(
            code=code, name=municipality_name(code) or code,
            coordinators=sum(m.role == domain.MemberRole.MUNICIPAL_COORDINATOR for m in mine),
            leaders=sum(m.role == domain.MemberRole.LEADER for m in mine),
            members=[member_out(m) for m in mine],
        ))
    return out


# -- meetings ---------------------------------------------------------------------------------


def meeting_out(meeting: Meeting) -> schemas.MeetingOut:
    return schemas.MeetingOut.model_validate(meeting, from_attributes=True)


async def plan_meeting(runtime: Runtime, principal: Principal, body: schemas.MeetingIn) -> schemas.MeetingOut:
    _screen(runtime, {"title": body.title, "location": body.location})
    meeting = Meeting(title=body.title.strip(), starts_at=_aware(body.starts_at).astimezone(UTC),
                      location=body.location, convened_by_user_id=principal.user_id,
                      convened_by_name=principal.name[:200])
    async with runtime.db.session() as session:
        ForumRepository(session).add(meeting)
        await session.commit()
    return meeting_out(meeting)


async def meetings(runtime: Runtime) -> list[schemas.MeetingOut]:
    async with runtime.db.session() as session:
        return [meeting_out(m) for m in await ForumRepository(session).meetings()]


async def _meeting(repo: ForumRepository, meeting_id: str) -> Meeting:
    meeting = await repo.meeting(meeting_id)
    if meeting is None:
        raise NotFound("meeting")
    return meeting


async def meeting_detail(runtime: Runtime, meeting_id: str) -> schemas.MeetingDetail:
    async with runtime.db.session() as session:
        repo = ForumRepository(session)
        meeting = await _meeting(repo, meeting_id)
        agenda = await repo.agenda(meeting_id)
        invitations = await repo.invitations(meeting_id)
        attendance = await repo.attendance(meeting_id)
        names = {m.id: m.name for m in await repo.members()}
        minutes = await repo.minutes(meeting_id)
    return schemas.MeetingDetail(
        **meeting_out(meeting).model_dump(),
        agenda=[schemas.AgendaItemOut.model_validate(a, from_attributes=True) for a in agenda],
        invitations=dict(Counter(i.status for i in invitations)),
        attendance=[
            schemas.AttendanceOut(member_id=a.member_id, member_name=names.get(a.member_id, ""),
                                  municipality_code=a.municipality_code, status=domain.AttendanceStatus(a.status),
                                  recorded_at=a.recorded_at)
            for a in attendance
        ],
        minutes=schemas.MinutesOut.model_validate(minutes, from_attributes=True) if minutes else None,
        agenda_by_municipality=dict(Counter(a.proposer_municipality_code or "police" for a in agenda)),
    )


async def add_agenda_item(runtime: Runtime, principal: Principal, meeting_id: str,
                          body: schemas.AgendaItemIn) -> schemas.AgendaItemOut:
    _screen(runtime, {"title": body.title, "description": body.description}, body.confirms_no_individual_case, post=True)
    async with runtime.db.session() as session:
        repo = ForumRepository(session)
        meeting = await _meeting(repo, meeting_id)
        domain.check_open(meeting.status)
        position = len(await repo.agenda(meeting_id)) + 1
        item = AgendaItem(meeting_id=meeting_id, position=position, title=body.title.strip(),
                          description=body.description, duration_minutes=body.duration_minutes,
                          proposed_by_user_id=principal.user_id, proposed_by_name=principal.name[:200],
                          proposer_municipality_code=_author_municipality(runtime, principal))
        repo.add(item)
        await session.commit()
    return schemas.AgendaItemOut.model_validate(item, from_attributes=True)


async def summon(runtime: Runtime, meeting_id: str, body: schemas.SummonIn) -> list[schemas.InvitationOut]:
    """Invite every active member not yet invited: the invitations are recorded here and a meeting
    summons goes to notify (e-mail) in the same transaction, through the outbox and OPA."""
    settings = _settings(runtime)
    now = utcnow()
    async with runtime.db.session() as session:
        repo = ForumRepository(session)
        meeting = await _meeting(repo, meeting_id)
        config = await _config(repo, settings)
        domain.check_summon(meeting.starts_at, meeting.status, now, config.summon_notice_days, body.allow_short_notice)
        invited = {i.member_id for i in await repo.invitations(meeting_id)}
        new = [m for m in await repo.members(active=True) if m.id not in invited]
        for member in new:
            repo.add(Invitation(meeting_id=meeting_id, member_id=member.id, email=member.email))
        for start in range(0, len(new), 50):
            _stage_summons(session, runtime, settings, meeting, new[start:start + 50], now)
        meeting.status = domain.MeetingStatus.SUMMONED.value
        meeting.summoned_at = meeting.summoned_at or now
        repo.add(meeting)
        await session.commit()
        invitations = await repo.invitations(meeting_id)
    return [schemas.InvitationOut.model_validate(i, from_attributes=True) for i in invitations]


def _stage_summons(session, runtime: Runtime, settings: NetworkSettings, meeting, members, now: datetime) -> None:
    """A meeting summons for notify: ids, the start and the members' work addresses, no agenda text."""
    urgent = meeting.starts_at.replace(tzinfo=meeting.starts_at.tzinfo or UTC) - now < timedelta(days=7)
    summons = MeetingSummonsRequested(
        notification_id=uuid4(), police_district=settings.infohus_district, meeting_id=UUID(meeting.id),
        starts_at=meeting.starts_at, meeting_urgency=MeetingUrgency.URGENT if urgent else MeetingUrgency.REGULAR,
        participants=[MeetingParticipant(email=m.email) for m in members], requested_at=now,
        link_path=f"/netvaerk/moeder/{meeting.id}",
    )
    stage_event(session, settings, topic=NETWORK_SUMMONS, body=summons, key=meeting.id,
                share=Share.of(summons, recipient_kind="internal", purpose="prevention"))


async def invitations(runtime: Runtime, meeting_id: str) -> list[schemas.InvitationOut]:
    async with runtime.db.session() as session:
        repo = ForumRepository(session)
        await _meeting(repo, meeting_id)
        found = await repo.invitations(meeting_id)
        return [schemas.InvitationOut.model_validate(i, from_attributes=True) for i in found]


async def cancel(runtime: Runtime, meeting_id: str) -> schemas.MeetingOut:
    async with runtime.db.session() as session:
        repo = ForumRepository(session)
        meeting = await _meeting(repo, meeting_id)
        meeting.status, meeting.cancelled_at = domain.MeetingStatus.CANCELLED.value, utcnow()
        repo.add(meeting)
        await session.commit()
    return meeting_out(meeting)


async def record_attendance(runtime: Runtime, principal: Principal, meeting_id: str,
                            body: schemas.AttendanceIn) -> schemas.MeetingDetail:
    async with runtime.db.session() as session:
        repo = ForumRepository(session)
        meeting = await _meeting(repo, meeting_id)
        domain.check_after_start(meeting.starts_at, meeting.status, utcnow(), "attendance")
        for i, entry in enumerate(body.entries):
            member = await repo.member(entry.member_id)
            if member is None:
                raise RuleViolation(f"entries.{i}.member_id", "not a member of the network")
            row = await repo.attendance_of(meeting_id, member.id) or Attendance(
                meeting_id=meeting_id, member_id=member.id, status=entry.status.value, recorded_by=principal.user_id)
            row.status, row.municipality_code = entry.status.value, member.municipality_code
            row.recorded_at, row.recorded_by = utcnow(), principal.user_id
            repo.add(row)
        await session.commit()
    return await meeting_detail(runtime, meeting_id)


async def write_minutes(runtime: Runtime, principal: Principal, meeting_id: str,
                        body: schemas.MinutesIn) -> schemas.MinutesOut:
    _screen(runtime, {"body": body.body}, body.confirms_no_individual_case, post=True)
    async with runtime.db.session() as session:
        repo = ForumRepository(session)
        meeting = await _meeting(repo, meeting_id)
        domain.check_after_start(meeting.starts_at, meeting.status, utcnow(), "minutes")
        minutes = await repo.minutes(meeting_id) or Minutes(meeting_id=meeting_id, body="", author_user_id="")
        minutes.body, minutes.author_user_id, minutes.author_name = body.body, principal.user_id, principal.name[:200]
        minutes.updated_at = utcnow()
        repo.add(minutes)
        await session.commit()
    return schemas.MinutesOut.model_validate(minutes, from_attributes=True)


# -- engagement -------------------------------------------------------------------------------


async def engagement(runtime: Runtime, window: int) -> schemas.EngagementOut:
    settings = _settings(runtime)
    now = utcnow()
    async with runtime.db.session() as session:
        repo = ForumRepository(session)
        all_meetings = await repo.meetings()
        attendance = await repo.attendance()
        active = await repo.members(active=True)
        agenda = await repo.agenda()
        posts = await repo.post_authors()
    held = [domain.HeldMeeting(m.id, m.starts_at) for m in all_meetings
            if m.status != domain.MeetingStatus.CANCELLED and _aware(m.starts_at) <= now]
    rows = domain.engagement(
        domain.district_municipalities(settings.infohus_district),
        held,
        present=[(a.meeting_id, a.municipality_code) for a in attendance
                 if a.status == domain.AttendanceStatus.PRESENT and a.municipality_code],
        members=[(m.municipality_code, m.role) for m in active if m.municipality_code],
        agenda_items=[(a.meeting_id, a.proposer_municipality_code) for a in agenda if a.proposer_municipality_code],
        knowledge_posts=[(code, posted_at) for code, posted_at in posts if code],
        window=window,
    )
    return schemas.EngagementOut(
        district=settings.infohus_district, window_meetings=window,
        municipalities=[schemas.MunicipalityEngagementOut.model_validate(r, from_attributes=True) for r in rows],
    )


# -- knowledge --------------------------------------------------------------------------------


def _search_text(post: KnowledgePost, attachment_texts: list[str]) -> str:
    tags = " ".join(f"[tag:{t.lower()}]" for t in post.tags)
    return "\n".join([post.title, post.body, tags, *attachment_texts]).lower()


def attachment_out(post_id: str, attachment: Attachment) -> schemas.AttachmentOut:
    return schemas.AttachmentOut(
        id=attachment.id, filename=attachment.filename, content_type=attachment.content_type, size=attachment.size,
        sha256=attachment.sha256, created_at=attachment.created_at,
        url=f"/api/v1/knowledge/{post_id}/attachments/{attachment.id}",
    )


async def _post_out(repo: ForumRepository, post: KnowledgePost) -> schemas.KnowledgeOut:
    return schemas.KnowledgeOut(
        id=post.id, title=post.title, body=post.body, kind=domain.KnowledgeKind(post.kind),
        source=domain.KnowledgeSource(post.source), tags=list(post.tags), meeting_id=post.meeting_id,
        author_name=post.author_name, author_municipality_code=post.author_municipality_code,
        created_at=post.created_at,
        attachments=[attachment_out(post.id, a) for a in await repo.attachments(post.id)],
    )


async def post_knowledge(runtime: Runtime, principal: Principal, body: schemas.KnowledgeIn) -> schemas.KnowledgeOut:
    _screen(runtime, {"title": body.title, "body": body.body, "tags": body.tags}, body.confirms_no_individual_case, post=True)
    async with runtime.db.session() as session:
        repo = ForumRepository(session)
        if body.meeting_id is not None:
            await _meeting(repo, body.meeting_id)
        post = KnowledgePost(
            title=body.title.strip(), body=body.body, kind=body.kind.value, source=body.source.value,
            tags=sorted({t.strip() for t in body.tags}), meeting_id=body.meeting_id,
            author_user_id=principal.user_id, author_name=principal.name[:200],
            author_municipality_code=_author_municipality(runtime, principal),
        )
        post.search_text = _search_text(post, [])
        repo.add(post)
        await session.commit()
        return await _post_out(repo, post)


async def search_knowledge(runtime: Runtime, q: str | None, kind: domain.KnowledgeKind | None,
                           source: domain.KnowledgeSource | None, tag: str | None,
                           limit: int) -> list[schemas.KnowledgeOut]:
    # A search for a CPR number or a case id is itself an attempt to discuss a case.
    _screen(runtime, {"q": q, "tag": tag})
    terms = domain.search_terms(q or "")
    if tag:
        terms.append(f"[tag:{tag.strip().lower()}]")
    async with runtime.db.session() as session:
        repo = ForumRepository(session)
        found = await repo.posts(kind.value if kind else None, source.value if source else None, terms, limit)
        lowered = [t for t in terms if not t.startswith("[tag:")]
        # Title hits first, then the newest.
        found.sort(key=lambda p: not (lowered and domain.matches(p.title, lowered)))
        return [await _post_out(repo, p) for p in found]


async def knowledge_post(runtime: Runtime, post_id: str) -> schemas.KnowledgeOut:
    async with runtime.db.session() as session:
        repo = ForumRepository(session)
        post = await repo.post(post_id)
        if post is None:
            raise NotFound("knowledge post")
        return await _post_out(repo, post)


async def add_attachment(runtime: Runtime, principal: Principal, post_id: str, filename: str, content_type: str,
                         data: bytes, confirmed: bool) -> schemas.AttachmentOut:
    settings = _settings(runtime)
    kind = domain.check_attachment(content_type, data, settings.attachment_max_bytes)
    text = documents.text_of(kind, data)
    _screen(runtime, {"filename": filename, "body": text}, confirmed, post=True)
    async with runtime.db.session() as session:
        repo = ForumRepository(session)
        post = await repo.post(post_id)
        if post is None:
            raise NotFound("knowledge post")
        attachment = Attachment(post_id=post_id, filename=filename,
                                content_type=content_type.split(";")[0].strip().lower(), size=len(data),
                                sha256=hashlib.sha256(data).hexdigest(), data=data, author_user_id=principal.user_id)
        repo.add(attachment)
        post.search_text = "\n".join([post.search_text, filename.lower(), text.lower()])
        repo.add(post)
        await session.commit()
    return attachment_out(post_id, attachment)


async def attachment(runtime: Runtime, post_id: str, attachment_id: str) -> tuple[Attachment, str]:
    async with runtime.db.session() as session:
        found = await ForumRepository(session).attachment(attachment_id)
    if found is None or found.post_id != post_id:
        raise NotFound("attachment")
    disposition = f"attachment; filename*=UTF-8''{quote(found.filename)}"
    return found, disposition


# -- statistics -------------------------------------------------------------------------------


async def statistics(runtime: Runtime, period: str, k: int, by_municipality: bool) -> schemas.StatisticsOut:
    settings = _settings(runtime)
    months = domain.months_of(period)
    codes = domain.district_municipalities(settings.infohus_district)
    async with runtime.db.session() as session:
        stored = await AggregateRepository(session).cells(periods=months)
    parts = [
        domain.Part(c.municipality_code, c.period, c.metric, c.dimension_value or None, c.count, c.suppressed, c.k)
        for c in stored if c.municipality_code in codes
    ]
    reporting = {p.municipality_code for p in parts}

    def cells(selection: list[domain.Part]) -> list[schemas.CombinedCell]:
        return [schemas.CombinedCell(**c.as_dict()) for c in domain.combine(selection, k)]

    return schemas.StatisticsOut(
        district=settings.infohus_district, district_name=domain.district_name(settings.infohus_district),
        period=period, months=months, k=k,
        municipalities=[schemas.ReportingMunicipality(code=c, name=municipality_name(c) or c, reporting=c in reporting)
                        for c in codes],
        cells=cells(parts),
        by_municipality=[
            schemas.MunicipalityStatistics(municipality_code=c, name=municipality_name(c) or c,
                                           cells=cells([p for p in parts if p.municipality_code == c]))
            for c in codes if c in reporting
        ] if by_municipality else None,
    )
