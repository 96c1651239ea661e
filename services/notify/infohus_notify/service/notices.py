"""What notify does with a request (a notice, "meddelelse", owed to someone), inside the caller's
transaction: record it, plan its deliveries, and hold and release notices (the art. 14 decision)."""

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any
from uuid import uuid4

from infohus_contracts.base.summons import MeetingSummonsRequested
from infohus_contracts.case.notifications import (
    AddressingError,
    NotificationKind,
    NotificationRequested,
    Recipient,
    RecipientKind,
    open_addressing,
)
from infohus_platform.auth import Guard, resource
from infohus_platform.errors import Conflict, NotFound
from infohus_platform.messaging.outbox import utcnow
from infohus_platform.runtime import Runtime

from ..domain import (
    CANCELLED,
    NOTICE,
    QUEUED,
    RETRYING,
    UNADDRESSED,
    deadline_for,
    held_review_on,
    initial_status,
    letter_template,
    plan_deliveries,
    priority_of,
)
from ..storage import Delivery, Notification, NotificationRepository
from .context import Context
from .partners import queue_partner_events
from .scope import Scope


def template_for(request: NotificationRequested, regime: str = "gdpr") -> str:
    """The template of a request; the controller's regime picks the police district's own letter."""
    if request.meeting_urgency is not None:
        return f"{request.kind.value}_{request.meeting_urgency.value}"
    return letter_template(request.kind.value, regime)


def open_citizen_address(ctx: Context, request: NotificationRequested) -> tuple[dict | None, str | None]:
    """The citizen's address (opened only to choose the channel; only the sealed form is stored)."""
    if request.addressing is None:
        return None, "no address in the request: send by hand"
    try:
        return open_addressing(request.addressing, request.notification_id, ctx.key()), None
    except AddressingError as exc:
        return None, f"the address cannot be opened: {exc}"


def network_summons(summons: MeetingSummonsRequested) -> NotificationRequested:
    """A district network's meeting summons as the request notify keeps: e-mails to the participants."""
    return NotificationRequested(
        notification_id=summons.notification_id, kind=NotificationKind.MEETING_SUMMONS,
        police_district=summons.police_district,
        recipients=[Recipient(kind=RecipientKind.MEETING_PARTICIPANT, email=p.email) for p in summons.participants],
        requested_at=summons.requested_at, due_at=summons.starts_at, meeting_id=summons.meeting_id,
        meeting_urgency=summons.meeting_urgency, link_path=summons.link_path,
    )


# -- consumed events ------------------------------------------------------------------------------


async def receive_request(repo: NotificationRepository, ctx: Context, request: NotificationRequested, *,
                          event_type: str, event_id: str, headers: dict[str, str]) -> bool:
    """A case service asked for a notice: record it, and queue the event for the partners subscribed to it."""
    recorded = await record_request(repo, ctx, request)
    await queue_partner_events(repo, ctx, event_type=event_type, event_id=event_id, headers=headers, body=request)
    return recorded


async def receive_summons(repo: NotificationRepository, ctx: Context, summons: MeetingSummonsRequested) -> bool:
    """A district network summoned its participants to a meeting."""
    return await record_request(repo, ctx, network_summons(summons))


async def record_request(repo: NotificationRepository, ctx: Context, request: NotificationRequested) -> bool:
    """Record a request once (by notification id) and queue its deliveries. False when already known."""
    notification_id = str(request.notification_id)
    if await repo.get(notification_id) is not None:
        return False
    regime = ctx.settings.infohus_regime
    status, reason = initial_status(request, regime)
    now = utcnow()
    notification = Notification(
        notification_id=notification_id,
        concern_id=str(request.concern_id) if request.concern_id else None,
        municipality_code=request.municipality_code,
        kind=request.kind.value,
        recipient=",".join(r.label for r in request.recipients)[:200],
        channel="",
        status=status,
        status_reason=reason,
        created_at=request.requested_at,
        request=request.model_dump(mode="json", exclude={"addressing"}),
        sealed_addressing=request.addressing.model_dump(mode="json") if request.addressing else None,
    )
    if status == "held":
        notification.review_on = held_review_on(now.date(), regime, ctx.settings.honour_review_days)
        notification.decided_by = "notify (automatic)"
        notification.decided_at = now
    repo.add(notification)
    if status == "recorded":
        queue_deliveries(repo, ctx, notification, request)
    return True


def queue_deliveries(repo: NotificationRepository, ctx: Context, notification: Notification,
                     request: NotificationRequested) -> list[Delivery]:
    s = ctx.settings
    address, problem = (None, None)
    if any(r.kind == RecipientKind.DATA_SUBJECT for r in request.recipients):
        address, problem = open_citizen_address(ctx, request)
    planned = plan_deliveries(request, ctx.staff, address, s.citizen_channels, problem)
    deadline = deadline_for(request, urgent_within=timedelta(minutes=s.urgent_send_within_minutes),
                            regular_notice=timedelta(days=s.regular_summons_notice_days))
    template = template_for(request, s.infohus_regime)
    created = []
    for item in planned:
        delivery = Delivery(
            delivery_id=str(uuid4()),
            dedupe_key=f"{notification.notification_id}:{NOTICE}:{item.recipient_label}:{item.channel}",
            purpose=NOTICE,
            notification_id=notification.notification_id,
            template=template,
            recipient_label=item.recipient_label,
            recipient=item.recipient,
            channel=item.channel,
            status=item.status,
            status_reason=item.reason,
            priority=priority_of(request),
            max_attempts=s.notify_max_attempts,
            deadline=deadline,
            # A regular summons is sent at once; the deadline is when it must have gone out at the latest.
            next_attempt_at=utcnow(),
        )
        repo.add_delivery(delivery)
        created.append(delivery)
    if planned:
        notification.channel = planned[0].channel
    return created


def request_of(notification: Notification) -> NotificationRequested:
    data: dict[str, Any] = dict(notification.request)
    if notification.sealed_addressing:
        data["addressing"] = notification.sealed_addressing
    return NotificationRequested.model_validate(data)


async def hold(repo: NotificationRepository, notification: Notification, *, reason: str, basis: str | None,
               review_on: date | None, decided_by: str) -> int:
    """Hold (or exempt) a notice with its reason and review date; queued deliveries are cancelled."""
    now = utcnow()
    notification.status = "held"
    notification.status_reason = reason[:500]
    notification.exemption_basis = basis
    notification.review_on = review_on
    notification.review_reminded_at = None
    notification.decided_by = decided_by
    notification.decided_at = now
    cancelled = 0
    for delivery in await repo.deliveries(notification_id=notification.notification_id):
        if delivery.status in (QUEUED, RETRYING, UNADDRESSED) and delivery.purpose == NOTICE:
            delivery.status = CANCELLED
            delivery.status_reason = "notice held"
            delivery.updated_at = now
            repo.log(delivery, "notice held")
            cancelled += 1
    return cancelled


async def release(repo: NotificationRepository, ctx: Context, notification: Notification, *, reason: str,
                  decided_by: str) -> list[Delivery]:
    """A person decided the notice goes out now (after the risk assessment, or at review)."""
    notification.status = "recorded"
    notification.status_reason = f"released: {reason}"[:500]
    notification.decided_by = decided_by
    notification.decided_at = utcnow()
    return queue_deliveries(repo, ctx, notification, request_of(notification))


# -- by hand (the API) ----------------------------------------------------------------------------


@dataclass
class NoticeState:
    """A notice and how its deliveries stand (delivery status -> count)."""

    notification: Notification
    deliveries: dict[str, int] = field(default_factory=dict)


async def _state(repo: NotificationRepository, notification: Notification) -> NoticeState:
    counts: dict[str, int] = {}
    for d in await repo.deliveries(notification_id=notification.notification_id):
        counts[d.status] = counts.get(d.status, 0) + 1
    return NoticeState(notification, counts)


async def _notification(repo: NotificationRepository, notification_id: str, scope: Scope) -> Notification:
    """A notice the caller may see; one of another municipality answers like an unknown one."""
    found = await repo.get(notification_id)
    if found is None or not scope.sees(found):
        raise NotFound("notification")
    return found


async def notices_for_concern(runtime: Runtime, concern_id: str, scope: Scope) -> list[NoticeState]:
    """What is owed for a concern, and the state of its deliveries (ids and states only), within the scope."""
    async with runtime.db.session() as session:
        repo = NotificationRepository(session)
        return [await _state(repo, n) for n in await repo.for_concern(concern_id) if scope.sees(n)]


async def hold_notice(runtime: Runtime, guard: Guard, scope: Scope, notification_id: str, *, reason: str,
                      basis: str | None, review_on: date | None) -> NoticeState:
    """Staff hold a notice (or record an exemption); may they manage this municipality's notices?"""
    async with runtime.db.session() as session:
        repo = NotificationRepository(session)
        found = await _notification(repo, notification_id, scope)
        await guard.require("notification.manage", resource("notification", found.municipality_code))
        if found.status not in ("recorded", "held"):
            raise Conflict(f"a notice in status '{found.status}' cannot be held")
        await hold(repo, found, reason=reason, basis=basis, review_on=review_on, decided_by=guard.principal.user_id)
        await session.commit()
        return await _state(repo, found)


async def release_notice(runtime: Runtime, ctx: Context, guard: Guard, scope: Scope, notification_id: str, *,
                         reason: str, wake: Callable[[], None]) -> NoticeState:
    """Staff send a held notice now; the dispatcher is woken to send it at once."""
    async with runtime.db.session() as session:
        repo = NotificationRepository(session)
        found = await _notification(repo, notification_id, scope)
        await guard.require("notification.manage", resource("notification", found.municipality_code))
        if found.status != "held":
            raise Conflict("only a held notice can be released")
        await release(repo, ctx, found, reason=reason, decided_by=guard.principal.user_id)
        await session.commit()
        state = await _state(repo, found)
    wake()
    return state
