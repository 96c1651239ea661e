"""Notices owed for a concern, their deliveries, and the art. 14 decision: hold or release."""

from uuid import UUID

from fastapi import APIRouter

from infohus_platform.auth import GuardDep
from infohus_platform.runtime import RuntimeDep

from ..schemas import DeliveryPublic, NoticeHoldCreate, NoticeReleaseCreate, NotificationPublic
from ..service import deliveries as delivery_cases
from ..service import notices as notice_cases
from ..service.scope import records_scope
from .dependencies import ContextDep, WakeDep, controller_scope

router = APIRouter(prefix="/api/v1", tags=["notifications"])


@router.get("/notifications", response_model=list[NotificationPublic])
async def notifications(concern_id: UUID, runtime: RuntimeDep, guard: GuardDep) -> list[NotificationPublic]:
    """What is owed for a concern, and the state of its deliveries (ids and states only); a concern of another
    municipality answers like an unknown one."""
    await guard.require("notification.read", controller_scope(runtime))
    scope = await records_scope(guard, "notification.read", "notification")
    return [NotificationPublic.of(s) for s in await notice_cases.notices_for_concern(runtime, str(concern_id), scope)]


@router.get("/notifications/{notification_id}/deliveries", response_model=list[DeliveryPublic])
async def notification_deliveries(notification_id: UUID, runtime: RuntimeDep,
                                  guard: GuardDep) -> list[DeliveryPublic]:
    await guard.require("delivery.read", controller_scope(runtime))
    scope = await records_scope(guard, "delivery.read", "delivery")
    return [DeliveryPublic.of(d) for d in await delivery_cases.deliveries_of(runtime, str(notification_id), scope)]


@router.post("/notifications/{notification_id}/hold", response_model=NotificationPublic,
             responses={409: {"description": "The notice is in a status that cannot be held."}})
async def hold_notice(notification_id: UUID, body: NoticeHoldCreate, runtime: RuntimeDep,
                      guard: GuardDep) -> NotificationPublic:
    """Hold a notice (or record an exemption) with its reason and review date; queued messages are cancelled."""
    scope = await records_scope(guard, "notification.manage", "notification")
    state = await notice_cases.hold_notice(runtime, guard, scope, str(notification_id), reason=body.reason,
                                           basis=body.basis, review_on=body.review_on)
    return NotificationPublic.of(state)


@router.post("/notifications/{notification_id}/release", response_model=NotificationPublic,
             responses={409: {"description": "Only a held notice can be released."}})
async def release_notice(notification_id: UUID, body: NoticeReleaseCreate, runtime: RuntimeDep, guard: GuardDep,
                         ctx: ContextDep, wake: WakeDep) -> NotificationPublic:
    """Send a held notice now (e.g. after the risk assessment in an honour-related case)."""
    scope = await records_scope(guard, "notification.manage", "notification")
    state = await notice_cases.release_notice(runtime, ctx, guard, scope, str(notification_id),
                                              reason=body.reason, wake=wake)
    return NotificationPublic.of(state)
