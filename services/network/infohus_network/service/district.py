"""The police district (politikreds) the network serves: its cadence, its members and municipalities."""

from infohus_contracts.base.municipalities import municipality_name
from infohus_platform.auth import Principal
from infohus_platform.errors import NotFound
from infohus_platform.messaging.outbox import utcnow
from infohus_platform.runtime import Runtime

from .. import domain, schemas
from ..storage import ForumRepository, Member
from .shared import district_config, network_settings, screen_free_text


async def district(runtime: Runtime) -> schemas.DistrictPublic:
    settings = network_settings(runtime)
    now = utcnow()
    async with runtime.db.session() as session:
        repo = ForumRepository(session)
        config = await district_config(repo, settings)
        meetings = [m for m in await repo.meetings() if m.status != domain.MeetingStatus.CANCELLED]
    past = [m for m in meetings if domain.aware(m.starts_at) <= now]
    future = [m for m in meetings if domain.aware(m.starts_at) > now]
    cadence = domain.Cadence(
        months=config.cadence_months, notice_days=config.summon_notice_days,
        last_meeting_at=past[-1].starts_at if past else None,
        next_meeting_at=future[0].starts_at if future else None,
        next_meeting_summoned=bool(future and future[0].summoned_at),
    )
    codes = domain.district_municipalities(settings.infohus_district)
    return schemas.DistrictPublic(
        district=settings.infohus_district, name=domain.district_name(settings.infohus_district),
        municipalities=[schemas.MunicipalityRefPublic(code=c, name=municipality_name(c) or c) for c in codes],
        **cadence.status(now),
    )


async def set_cadence(runtime: Runtime, principal: Principal, body: schemas.CadenceUpdate) -> schemas.DistrictPublic:
    settings = network_settings(runtime)
    async with runtime.db.session() as session:
        repo = ForumRepository(session)
        config = await district_config(repo, settings)
        config.cadence_months, config.summon_notice_days = body.cadence_months, body.summon_notice_days
        config.updated_at, config.updated_by = utcnow(), principal.user_id
        repo.add(config)
        await session.commit()
    return await district(runtime)


# -- members (the police coordinator, municipal coordinators, attending leaders) -----------------


def member_public(member: Member) -> schemas.MemberPublic:
    return schemas.MemberPublic(
        id=member.id, name=member.name, email=member.email, role=domain.MemberRole(member.role),
        municipality_code=member.municipality_code,
        municipality_name=municipality_name(member.municipality_code) if member.municipality_code else None,
        hands_knowledge_on_to=member.hands_knowledge_on_to, active=member.active, created_at=member.created_at,
    )


async def add_member(runtime: Runtime, body: schemas.MemberCreate) -> schemas.MemberPublic:
    screen_free_text(runtime, {"name": body.name, "email": body.email,
                               "hands_knowledge_on_to": body.hands_knowledge_on_to})
    district = network_settings(runtime).infohus_district
    domain.check_member(body.role, body.municipality_code, body.hands_knowledge_on_to, district)
    member = Member(name=body.name.strip(), email=body.email.strip().lower(), role=body.role.value,
                    municipality_code=body.municipality_code, hands_knowledge_on_to=body.hands_knowledge_on_to)
    async with runtime.db.session() as session:
        ForumRepository(session).add(member)
        await session.commit()
    return member_public(member)


async def update_member(runtime: Runtime, member_id: str, body: schemas.MemberUpdate) -> schemas.MemberPublic:
    screen_free_text(runtime, {"name": body.name, "email": body.email,
                               "hands_knowledge_on_to": body.hands_knowledge_on_to})
    async with runtime.db.session() as session:
        repo = ForumRepository(session)
        member = await repo.member(member_id)
        if member is None:
            raise NotFound("member")
        changes = body.model_dump(exclude_unset=True)
        # An explicit null clears whom a member hands the knowledge on to; for the other fields it changes nothing.
        changes = {k: v for k, v in changes.items() if v is not None or k == "hands_knowledge_on_to"}
        if "email" in changes:
            changes["email"] = changes["email"].strip().lower()
        role = domain.MemberRole(changes.get("role") or member.role)
        hands_on = changes.get("hands_knowledge_on_to", member.hands_knowledge_on_to)
        domain.check_member(role, member.municipality_code, hands_on, network_settings(runtime).infohus_district)
        for key, value in changes.items():
            setattr(member, key, value.value if isinstance(value, domain.MemberRole) else value)
        repo.add(member)
        await session.commit()
        return member_public(member)


async def members(runtime: Runtime, municipality_code: str | None, active: bool | None) -> list[schemas.MemberPublic]:
    async with runtime.db.session() as session:
        return [member_public(m) for m in await ForumRepository(session).members(municipality_code, active)]


async def municipalities(runtime: Runtime) -> list[schemas.MunicipalityPublic]:
    settings = network_settings(runtime)
    async with runtime.db.session() as session:
        everyone = await ForumRepository(session).members(active=True)
    out = []
    for code in domain.district_municipalities(settings.infohus_district):
        mine = [m for m in everyone if m.municipality_code == code]
        out.append(schemas.MunicipalityPublic(
            code=code, name=municipality_name(code) or code,
            coordinators=sum(m.role == domain.MemberRole.MUNICIPAL_COORDINATOR for m in mine),
            leaders=sum(m.role == domain.MemberRole.LEADER for m in mine),
            members=[member_public(m) for m in mine],
        ))
    return out
