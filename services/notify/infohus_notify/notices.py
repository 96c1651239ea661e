"""What notify does with a request, inside the caller's transaction: record it, plan its deliveries,
hold and release notices, and queue events for subscribed partners."""

from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any
from uuid import uuid4

from pydantic import BaseModel

from infohus_contracts.base.aggregates import AggregateReport
from infohus_contracts.base.classes import classes_present
from infohus_contracts.base.summons import MeetingSummonsRequested
from infohus_contracts.case.notifications import (
    AddressingError,
    NotificationKind,
    NotificationRequested,
    Recipient,
    RecipientKind,
    StaffRole,
    addressing_key,
    open_addressing,
)
from infohus_platform.messaging.outbox import utcnow

from .config import Partner
from .domain import (
    KAFKA,
    NOTICE,
    PARTNER_EVENT,
    QUEUED,
    REVIEW_REMINDER,
    WEBHOOK,
    StaffMember,
    deadline_for,
    initial_status,
    plan_deliveries,
    priority_of,
    review_date,
)
from .settings import NotifySettings
from .storage import Delivery, Notification, NotificationRepository

CANCELLED = "cancelled"


@dataclass
class Context:
    """The configuration the recording steps need (loaded once at start)."""

    settings: NotifySettings
    staff: list[StaffMember] = field(default_factory=list)
    partners: list[Partner] = field(default_factory=list)

    def key(self) -> bytes:
        secret = self.settings.infohus_addressing_key
        return addressing_key(secret.get_secret_value() if secret else None)


def template_for(request: NotificationRequested) -> str:
    if request.meeting_urgency is not None:
        return f"{request.kind.value}_{request.meeting_urgency.value}"
    return request.kind.value


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


async def record_request(repo: NotificationRepository, ctx: Context, request: NotificationRequested) -> bool:
    """Record a request once (by notification id) and queue its deliveries. False when already known."""
    notification_id = str(request.notification_id)
    if await repo.get(notification_id) is not None:
        return False
    status, reason = initial_status(request)
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
        notification.review_on = review_date(now.date(), ctx.settings.honour_review_days)
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
    template = template_for(request)
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
        if delivery.status in (QUEUED, "retrying", "unaddressed") and delivery.purpose == NOTICE:
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


async def queue_review_reminders(repo: NotificationRepository, ctx: Context, today: date) -> int:
    """Held notices whose review date has come: a reminder to the registration coordinators."""
    count = 0
    for notification in await repo.due_for_review(today):
        members = [m for m in ctx.staff if StaffRole.REGISTRATION_COORDINATOR.value in m.roles
                   and m.municipality_code in (None, notification.municipality_code)]
        targets: list[tuple[str, str, dict]] = []
        for member in members:
            targets.append((f"user:{member.user_id}", "in_app", {"kind": "staff_user", "user_id": member.user_id,
                                                                  "role": "registration_coordinator"}))
            if member.email:
                targets.append((f"user:{member.user_id}", "email", {"kind": "staff_user", "user_id": member.user_id,
                                                                     "role": "registration_coordinator"}))
        if not targets:
            targets.append(("role:registration_coordinator", "in_app",
                            {"kind": "staff_role", "role": "registration_coordinator"}))
        for label, channel, recipient in targets:
            key = f"{notification.notification_id}:{REVIEW_REMINDER}:{notification.review_on}:{label}:{channel}"
            if await repo.has_delivery(key):
                continue
            repo.add_delivery(Delivery(
                delivery_id=str(uuid4()), dedupe_key=key, purpose=REVIEW_REMINDER,
                notification_id=notification.notification_id, template="held_notice_review",
                recipient_label=label, recipient=recipient, channel=channel, status=QUEUED, priority=1,
                max_attempts=ctx.settings.notify_max_attempts,
            ))
        notification.review_reminded_at = utcnow()
        count += 1
    return count


def partner_share_facts(body: BaseModel) -> dict[str, Any]:
    """The data classes of an event body, and for aggregates the cells OPA checks (k, suppression)."""
    facts: dict[str, Any] = {"data_classes": sorted(c.value for c in classes_present(body))}
    if isinstance(body, AggregateReport):
        facts["aggregate"] = {"cells": [{"count": body.count, "suppressed": body.suppressed}]}
    return facts


async def queue_partner_events(repo: NotificationRepository, ctx: Context, *, event_type: str, event_id: str,
                               headers: dict[str, str], body: BaseModel) -> int:
    """One delivery per subscribed partner and channel; whether it goes out is OPA's decision later."""
    queued = 0
    facts = partner_share_facts(body)
    for partner in ctx.partners:
        if event_type not in partner.event_types:
            continue
        channels = ([WEBHOOK] if partner.webhook_url else []) + ([KAFKA] if partner.kafka else [])
        for channel in channels:
            key = f"{PARTNER_EVENT}:{partner.id}:{event_id}:{channel}"
            if await repo.has_delivery(key):
                continue
            repo.add_delivery(Delivery(
                delivery_id=str(uuid4()), dedupe_key=key, purpose=PARTNER_EVENT, partner_id=partner.id,
                event_id=event_id, event_type=event_type, template="partner_event",
                recipient_label=f"partner:{partner.id}", recipient={"kind": "partner_system", "id": partner.id},
                channel=channel, status=QUEUED, priority=5, max_attempts=ctx.settings.notify_max_attempts,
                payload={"headers": {k: v for k, v in headers.items() if k.startswith("ce_") or k == "content-type"},
                         "body": body.model_dump(mode="json")} | facts,
            ))
            queued += 1
    return queued

