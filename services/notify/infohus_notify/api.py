"""Notify's HTTP API: notifications and their art. 14 decision, the delivery log, the in-app inbox, partners."""

from datetime import date, datetime
from typing import Annotated, Literal
from uuid import UUID

from fastapi import APIRouter, HTTPException, Query, Request
from pydantic import BaseModel, Field

from infohus_platform.auth import GuardDep, PrincipalDep, resource
from infohus_platform.messaging.outbox import utcnow
from infohus_platform.runtime import RuntimeDep

from .domain import DEAD_LETTERED, DENIED, QUEUED, UNADDRESSED
from .notices import CANCELLED, Context, hold, release
from .storage import Delivery, DeliveryLogEntry, InboxItem, Notification, NotificationRepository

router = APIRouter(prefix="/api/v1", tags=["notifications"])

DeliveryStatus = Literal["queued", "sending", "retrying", "sent", "failed", "dead_lettered", "denied", "unaddressed",
                         "cancelled"]


class NotificationOut(BaseModel):
    notification_id: str
    concern_id: str | None
    municipality_code: str | None
    kind: str
    recipient: str
    channel: str
    status: str
    status_reason: str | None
    created_at: datetime
    review_on: date | None = None
    exemption_basis: str | None = None
    decided_by: str | None = None
    deliveries: dict[str, int] = Field(default_factory=dict, description="delivery status -> count")


class DeliveryOut(BaseModel):
    """A delivery without its content or address: what was sent where, when, and on whose decision."""

    delivery_id: str
    purpose: str
    notification_id: str | None
    partner_id: str | None
    event_id: str | None
    event_type: str | None
    template: str
    recipient: str
    channel: str
    status: str
    status_reason: str | None
    attempts: int
    max_attempts: int
    deadline: datetime | None
    created_at: datetime
    sent_at: datetime | None
    last_error: str | None
    decision_id: str | None
    policy_version: str | None
    legal_basis: list[str]
    deny_reasons: list[str]
    shared_fields: list[str]
    withheld_fields: list[str]

    @classmethod
    def of(cls, d: Delivery) -> "DeliveryOut":
        return cls(**d.model_dump(exclude={"recipient"}), recipient=d.recipient_label)


class DeliveryLogOut(BaseModel):
    at: datetime
    status: str
    attempt: int
    detail: str | None

    @classmethod
    def of(cls, entry: DeliveryLogEntry) -> "DeliveryLogOut":
        return cls(at=entry.at, status=entry.status, attempt=entry.attempt, detail=entry.detail)


class HoldRequest(BaseModel):
    reason: str = Field(min_length=10, max_length=500, description="why the notice is held or exempt")
    basis: str | None = Field(None, max_length=200,
                              description="e.g. 'databeskyttelsesloven § 22 stk. 2 nr. 4' or 'GDPR art. 14(5)(b)'")
    review_on: date | None = Field(None, description="when the hold is reviewed; staff are reminded then")


class ReleaseRequest(BaseModel):
    reason: str = Field(min_length=10, max_length=500)


async def _out(repo: NotificationRepository, n: Notification) -> NotificationOut:
    counts: dict[str, int] = {}
    for d in await repo.deliveries(notification_id=n.notification_id):
        counts[d.status] = counts.get(d.status, 0) + 1
    return NotificationOut(**n.model_dump(exclude={"request", "sealed_addressing"}), deliveries=counts)


@router.get("/notifications", response_model=list[NotificationOut])
async def notifications(concern_id: UUID, runtime: RuntimeDep, guard: GuardDep) -> list[NotificationOut]:
    """What is owed for a concern, and the state of its deliveries (ids and states only)."""
    await guard.require("notification.read", _scope(runtime))
    async with runtime.db.session() as session:
        repo = NotificationRepository(session)
        return [await _out(repo, n) for n in await repo.for_concern(str(concern_id))]


@router.get("/notifications/{notification_id}/deliveries", response_model=list[DeliveryOut])
async def notification_deliveries(notification_id: UUID, runtime: RuntimeDep, guard: GuardDep) -> list[DeliveryOut]:
    await guard.require("delivery.read", _scope(runtime))
    async with runtime.db.session() as session:
        return [DeliveryOut.of(d) for d in
                await NotificationRepository(session).deliveries(notification_id=str(notification_id))]


@router.post("/notifications/{notification_id}/hold", response_model=NotificationOut)
async def hold_notice(notification_id: UUID, body: HoldRequest, runtime: RuntimeDep, guard: GuardDep,
                      request: Request) -> NotificationOut:
    """Hold a notice (or record an exemption) with its reason and review date; queued messages are cancelled."""
    async with runtime.db.session() as session:
        repo = NotificationRepository(session)
        found = await _notification(repo, notification_id)
        await guard.require("notification.manage", resource("notification", found.municipality_code))
        if found.status not in ("recorded", "held"):
            raise HTTPException(409, detail=f"a notice in status '{found.status}' cannot be held")
        await hold(repo, found, reason=body.reason, basis=body.basis, review_on=body.review_on,
                   decided_by=guard.principal.user_id)
        await session.commit()
        return await _out(repo, found)


@router.post("/notifications/{notification_id}/release", response_model=NotificationOut)
async def release_notice(notification_id: UUID, body: ReleaseRequest, runtime: RuntimeDep, guard: GuardDep,
                         request: Request) -> NotificationOut:
    """Send a held notice now (e.g. after the risk assessment in an honour-related case)."""
    ctx: Context = request.app.state.notify
    async with runtime.db.session() as session:
        repo = NotificationRepository(session)
        found = await _notification(repo, notification_id)
        await guard.require("notification.manage", resource("notification", found.municipality_code))
        if found.status != "held":
            raise HTTPException(409, detail="only a held notice can be released")
        await release(repo, ctx, found, reason=body.reason, decided_by=guard.principal.user_id)
        await session.commit()
        out = await _out(repo, found)
    request.app.state.dispatcher.wake()
    return out


def _scope(runtime) -> dict:
    """The delivery log belongs to this instance's controller, e.g. kommune-820 -> municipality 820."""
    org = runtime.settings.infohus_org
    code = org.removeprefix("kommune-") if org.startswith("kommune-") else None
    return resource("delivery", code, org=org)


async def _notification(repo: NotificationRepository, notification_id: UUID) -> Notification:
    found = await repo.get(str(notification_id))
    if found is None:
        raise HTTPException(404, detail="no such notification")
    return found


@router.get("/deliveries", response_model=list[DeliveryOut])
async def deliveries(
    runtime: RuntimeDep,
    guard: GuardDep,
    status: Annotated[DeliveryStatus | None, Query()] = None,
    channel: str | None = None,
    partner_id: str | None = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 200,
) -> list[DeliveryOut]:
    """The delivery log; ``?status=dead_lettered`` is what staff must act on."""
    await guard.require("delivery.read", _scope(runtime))
    async with runtime.db.session() as session:
        rows = await NotificationRepository(session).deliveries(status=status, channel=channel,
                                                                partner_id=partner_id, limit=limit)
    return [DeliveryOut.of(d) for d in rows]


@router.get("/deliveries/{delivery_id}/log", response_model=list[DeliveryLogOut])
async def delivery_log(delivery_id: UUID, runtime: RuntimeDep, guard: GuardDep) -> list[DeliveryLogOut]:
    await guard.require("delivery.read", _scope(runtime))
    async with runtime.db.session() as session:
        return [DeliveryLogOut.of(e) for e in await NotificationRepository(session).log_of(str(delivery_id))]


@router.post("/deliveries/{delivery_id}/retry", response_model=DeliveryOut)
async def retry_delivery(delivery_id: UUID, runtime: RuntimeDep, guard: GuardDep, request: Request) -> DeliveryOut:
    """Queue a dead-lettered, denied or unaddressed delivery again, with a fresh set of attempts."""
    await guard.require("notification.manage", _scope(runtime))
    async with runtime.db.session() as session:
        repo = NotificationRepository(session)
        found = await repo.delivery(str(delivery_id))
        if found is None:
            raise HTTPException(404, detail="no such delivery")
        if found.status not in (DEAD_LETTERED, DENIED, UNADDRESSED, CANCELLED):
            raise HTTPException(409, detail=f"a delivery in status '{found.status}' is not retried by hand")
        found.status, found.status_reason = QUEUED, f"requeued by {guard.principal.user_id}"
        found.max_attempts = found.attempts + (request.app.state.notify.settings.notify_max_attempts)
        found.next_attempt_at = found.updated_at = utcnow()
        found.lease_until = None
        repo.log(found)
        await session.commit()
        out = DeliveryOut.of(found)
    request.app.state.dispatcher.wake()
    return out


class InboxItemOut(BaseModel):
    item_id: str
    kind: str
    subject: str
    body: str
    link: str | None
    created_at: datetime
    read_at: datetime | None
    for_role: str | None

    @classmethod
    def of(cls, item: InboxItem) -> "InboxItemOut":
        return cls(**item.model_dump(exclude={"user_id", "role"}), for_role=item.role)


@router.get("/inbox", response_model=list[InboxItemOut])
async def inbox(runtime: RuntimeDep, principal: PrincipalDep, user: str | None = None) -> list[InboxItemOut]:
    """The signed-in user's in-app notifications, and those for their roles. Only one's own."""
    if user is not None and user != principal.user_id:
        raise HTTPException(403, detail={"reasons": ["an inbox is readable by its owner only"]})
    async with runtime.db.session() as session:
        items = await NotificationRepository(session).inbox(principal.user_id, principal.roles)
    return [InboxItemOut.of(i) for i in items]


@router.get("/partners")
async def partners(request: Request, runtime: RuntimeDep, guard: GuardDep) -> list[dict]:
    """The configured partner subscriptions (never their secrets)."""
    await guard.require("delivery.read", _scope(runtime))
    return [p.public() for p in request.app.state.notify.partners]


