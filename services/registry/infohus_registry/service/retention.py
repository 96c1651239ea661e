"""Retention: when a registration's personal data goes, decided by OPA, carried out everywhere.

The daily job (``jobs.py``) asks ``infohus/retention/schedule`` for every closed registration; when
the deletion date has passed and no legal hold applies, the registry anonymises its own record
(statistics survive), keeps a proof, and publishes a tombstone that every other service acts on.
"""

from datetime import UTC, date, datetime
from uuid import UUID

import structlog
from sqlmodel.ext.asyncio.session import AsyncSession

from infohus_contracts.case.events import PersonErased
from infohus_contracts.case.topics import ERASURE
from infohus_platform.audit import processing_log
from infohus_platform.audit.erasure import ErasureProof, concern_ref
from infohus_platform.auth import Guard, resource
from infohus_platform.errors import NotFound
from infohus_platform.messaging.outbox import Share, stage_event
from infohus_platform.policy import RetentionSchedule
from infohus_platform.runtime import Runtime

from ..domain import anonymise, erasure_due, retention_input
from ..schemas import LegalHoldCreate, LegalHoldPublic, RetentionPublic, RetentionRunPublic
from ..storage import Registration, RegistrationRepository
from .registrations import NO_REGISTRATION, registration_for

log = structlog.get_logger(__name__)



async def schedule_for(runtime: Runtime, registration: Registration) -> RetentionSchedule:
    """The retention schedule's answer for one registration (``REVIEW`` when the policy has none), under the
    regime of the controller that holds it: a police district (rhl) has its own rules."""
    return await runtime.policy.retention_schedule(retention_input(registration) | {"regime": registration.regime})


async def run_retention(runtime: Runtime, today: date) -> RetentionRunPublic:
    """Erase what is due on ``today``. OPA unreachable means nothing is erased now (tried again later)."""
    erased = scheduled = 0
    async with runtime.db.session() as session:
        repository = RegistrationRepository(session)
        for registration in await repository.closed_not_erased():
            plan = await schedule_for(runtime, registration)
            delete_on = date.fromisoformat(plan.delete_on) if plan.delete_on else None
            registration.delete_on, registration.retention_rule = delete_on, plan.rule
            session.add(registration)
            scheduled += 1
            if not erasure_due(delete_on, plan.action, today):
                continue
            await erase_registration(runtime, session, registration, plan.rule)
            erased += 1
        await session.commit()
    runtime.relay.wake()
    return RetentionRunPublic(scheduled=scheduled, erased=erased)


async def erase_registration(runtime: Runtime, session: AsyncSession, registration: Registration, rule: str) -> None:
    """Anonymise the registration, keep a proof, and stage the tombstone the other services erase on."""
    now = datetime.now(UTC)
    anonymise(registration, now)
    session.add(registration)
    session.add(ErasureProof(concern_ref=concern_ref(registration.concern_id), service="registry", rule=rule,
                             erased_at=now, rows_deleted=1))
    tombstone = PersonErased(concern_id=UUID(registration.concern_id), rule=rule, erased_at=now)
    stage_event(session, runtime.settings, topic=ERASURE, body=tombstone,
                key=registration.concern_id, subject=registration.concern_id,
                share=Share.of(tombstone, recipient_kind="internal", purpose="prevention"))
    await processing_log.record(session, actor="service:registry", action=f"erasure:{rule}",
                                subjects=[registration.concern_id], data_classes=["process"], purpose="prevention")
    log.info("registration anonymised at the end of retention", rule=rule)


async def retention_of(runtime: Runtime, guard: Guard, concern_id: UUID) -> RetentionPublic:
    """The schedule of one registration as OPA sees it now, with its legal hold and erasure."""
    registration = await registration_for(runtime, guard, "retention.read", concern_id, ["process"])
    plan = await schedule_for(runtime, registration)
    return RetentionPublic(delete_on=plan.delete_on, rule=plan.rule, action=plan.action, reason=plan.reason,
                           legal_hold=registration.legal_hold, erased_at=registration.erased_at)


async def set_legal_hold(runtime: Runtime, guard: Guard, concern_id: UUID, hold: LegalHoldCreate) -> LegalHoldPublic:
    """Set or release a legal hold; the change is in the processing log, by whom and why it was allowed."""
    allowed = await registration_for(runtime, guard, "retention.hold", concern_id, ["process"])
    async with runtime.db.session() as session:
        registration = await RegistrationRepository(session).get(allowed.concern_id)
        if registration is None:  # erased in between
            raise NotFound("registration", detail=NO_REGISTRATION)
        registration.legal_hold = hold.legal_hold
        session.add(registration)
        await processing_log.record(session, actor=guard.principal.user_id, actor_roles=guard.principal.roles,
                                    action="retention.hold" if hold.legal_hold else "retention.release",
                                    subjects=[registration.concern_id], data_classes=["process"],
                                    purpose="compliance")
        await session.commit()
    return LegalHoldPublic(concern_id=str(concern_id), legal_hold=hold.legal_hold)


async def run_retention_now(runtime: Runtime, guard: Guard, as_of: date | None) -> RetentionRunPublic:
    """An operator's run of the schedule, as of a given day (default today)."""
    await guard.require("schedules.run", resource("schedules", guard.principal.municipality_code))
    return await run_retention(runtime, as_of or date.today())
