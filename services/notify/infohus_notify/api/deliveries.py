"""The delivery log: what was sent where and when, each delivery's history, and queueing one again."""

from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Query

from infohus_platform.auth import GuardDep
from infohus_platform.runtime import RuntimeDep

from ..schemas import DeliveryLogEntryPublic, DeliveryPublic, DeliveryStatus
from ..service import deliveries as delivery_cases
from ..service.scope import records_scope
from .dependencies import ContextDep, WakeDep, controller_scope

router = APIRouter(prefix="/api/v1", tags=["notifications"])


@router.get("/deliveries", response_model=list[DeliveryPublic])
async def deliveries(
    runtime: RuntimeDep,
    guard: GuardDep,
    status: Annotated[DeliveryStatus | None, Query()] = None,
    channel: str | None = None,
    partner_id: str | None = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 200,
) -> list[DeliveryPublic]:
    """The delivery log of the caller's municipalities (a police coordinator: the district's; the controller's
    compliance officer: all of it); ``?status=dead_lettered`` is what staff must act on."""
    await guard.require("delivery.read", controller_scope(runtime))
    scope = await records_scope(guard, "delivery.read", "delivery")
    rows = await delivery_cases.delivery_log(runtime, scope, status=status, channel=channel, partner_id=partner_id,
                                             limit=limit)
    return [DeliveryPublic.of(d) for d in rows]


@router.get("/deliveries/{delivery_id}/log", response_model=list[DeliveryLogEntryPublic])
async def delivery_log(delivery_id: UUID, runtime: RuntimeDep, guard: GuardDep) -> list[DeliveryLogEntryPublic]:
    """Every state one delivery went through (of the caller's municipalities only, like an unknown one)."""
    await guard.require("delivery.read", controller_scope(runtime))
    scope = await records_scope(guard, "delivery.read", "delivery")
    return [DeliveryLogEntryPublic.of(e) for e in await delivery_cases.history_of(runtime, str(delivery_id), scope)]


@router.post("/deliveries/{delivery_id}/retry", response_model=DeliveryPublic,
             responses={409: {"description": "The delivery is in a status that is not retried by hand."}})
async def retry_delivery(delivery_id: UUID, runtime: RuntimeDep, guard: GuardDep, ctx: ContextDep,
                         wake: WakeDep) -> DeliveryPublic:
    """Queue a dead-lettered, denied or unaddressed delivery again, with a fresh set of attempts."""
    await guard.require("notification.manage", controller_scope(runtime))
    scope = await records_scope(guard, "notification.manage", "delivery")
    found = await delivery_cases.requeue(runtime, ctx, scope, str(delivery_id), by=guard.principal.user_id)
    out = DeliveryPublic.of(found)
    wake()
    return out
