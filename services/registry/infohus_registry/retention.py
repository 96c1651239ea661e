"""Retention: when a registration's personal data goes, decided by OPA, carried out everywhere.

The daily job asks ``infohus/retention/schedule`` for every closed registration; when the
deletion date has passed and no legal hold applies, the registry anonymises its own record
(statistics survive), keeps a proof, and publishes a tombstone that every other service acts on.
"""

import asyncio
from dataclasses import asdict
from datetime import UTC, date, datetime
from typing import Annotated
from uuid import UUID

import structlog
from fastapi import APIRouter, HTTPException, Query
from pydantic import BaseModel, Field

from infohus_contracts.case.events import PersonErased
from infohus_contracts.case.topics import ERASURE
from infohus_platform.audit import processing_log
from infohus_platform.audit.erasure import ErasureProof, concern_ref
from infohus_platform.auth import GuardDep, resource
from infohus_platform.messaging.outbox import Share, stage_event
from infohus_platform.policy import RetentionSchedule
from infohus_platform.runtime import Runtime, RuntimeDep

from .domain import anonymise, retention_outcome
from .storage import Registration, RegistrationRepository

log = structlog.get_logger(__name__)
router = APIRouter(prefix="/api/v1/retention", tags=["retention"])


async def schedule_for(runtime: Runtime, registration: Registration) -> RetentionSchedule:
    return await runtime.policy.retention_schedule({
        "outcome": retention_outcome(registration),
        "closed_on": registration.closed_at.date().isoformat() if registration.closed_at else None,
        "last_follow_up_on": registration.last_follow_up_on.isoformat() if registration.last_follow_up_on else None,
        "legal_hold": registration.legal_hold,
    })


async def run_retention(runtime: Runtime, today: date) -> dict[str, int]:
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
            if delete_on is None or delete_on > today or plan.action not in ("anonymise", "delete"):
                continue
            await erase_registration(runtime, session, registration, plan.rule)
            erased += 1
        await session.commit()
    runtime.relay.wake()
    return {"scheduled": scheduled, "erased": erased}


async def erase_registration(runtime: Runtime, session, registration: Registration, rule: str) -> None:
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


class HoldIn(BaseModel):
    legal_hold: bool
    reason: str = Field(min_length=1, max_length=1000)


@router.get("/{concern_id}")
async def retention_of(concern_id: UUID, runtime: RuntimeDep, guard: GuardDep) -> dict:
    async with runtime.db.session() as session:
        registration = await RegistrationRepository(session).get(str(concern_id))
    if registration is None:
        raise HTTPException(404, detail="no registration for that concern")
    await guard.require("retention.read", resource("registration", registration.municipality_code))
    plan = await schedule_for(runtime, registration)
    return asdict(plan) | {"legal_hold": registration.legal_hold, "erased_at": registration.erased_at}


@router.post("/{concern_id}/hold")
async def set_hold(concern_id: UUID, body: HoldIn, runtime: RuntimeDep, guard: GuardDep) -> dict:
    """A legal hold pauses deletion (e.g. a pending complaint, an access request, art. 17(3)(b))."""
    async with runtime.db.session() as session:
        registration = await RegistrationRepository(session).get(str(concern_id))
        if registration is None:
            raise HTTPException(404, detail="no registration for that concern")
        await guard.require("retention.hold", resource("registration", registration.municipality_code))
        registration.legal_hold = body.legal_hold
        session.add(registration)
        await processing_log.record(session, actor=guard.principal.user_id, actor_roles=guard.principal.roles,
                                    action="retention.hold" if body.legal_hold else "retention.release",
                                    subjects=[registration.concern_id], data_classes=["process"],
                                    purpose="compliance")
        await session.commit()
    return {"concern_id": str(concern_id), "legal_hold": body.legal_hold}


@router.post("/run")
async def run_now(runtime: RuntimeDep, guard: GuardDep,
                  as_of: Annotated[date | None, Query(description="erase what is due on this day")] = None) -> dict:
    await guard.require("schedules.run", resource("schedules", guard.principal.municipality_code))
    return await run_retention(runtime, as_of or date.today())


async def daily(runtime: Runtime) -> None:
    while True:
        try:
            result = await run_retention(runtime, date.today())
            if result["erased"]:
                log.info("retention ran", **result)
        except Exception as exc:  # OPA or the database away: the next run tries again
            log.warning("retention run failed", error=type(exc).__name__)
        await asyncio.sleep(3600)
