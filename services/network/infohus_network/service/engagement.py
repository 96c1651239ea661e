"""Engagement (engagement) per municipality: who attends, who contributes, who is drifting away."""

from infohus_platform.messaging.outbox import utcnow
from infohus_platform.runtime import Runtime

from .. import domain, schemas
from ..storage import ForumRepository
from .shared import network_settings


async def engagement(runtime: Runtime, window: int) -> schemas.EngagementPublic:
    """Attendance and contributions per municipality over the last ``window`` held meetings."""
    settings = network_settings(runtime)
    now = utcnow()
    async with runtime.db.session() as session:
        repo = ForumRepository(session)
        all_meetings = await repo.meetings()
        attendance = await repo.attendance()
        active = await repo.members(active=True)
        agenda = await repo.agenda()
        posts = await repo.post_authors()
    held = [domain.HeldMeeting(m.id, m.starts_at) for m in all_meetings
            if m.status != domain.MeetingStatus.CANCELLED and domain.aware(m.starts_at) <= now]
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
    return schemas.EngagementPublic(
        district=settings.infohus_district, window_meetings=window,
        municipalities=[schemas.MunicipalityEngagementPublic.model_validate(r, from_attributes=True) for r in rows],
    )
