"""Held notices whose review date has come: a reminder to the registration coordinators to decide again
whether the citizen is told now (the art. 14 decision, "orientering")."""

import time
from datetime import date
from uuid import uuid4

from infohus_contracts.case.notifications import StaffRole
from infohus_platform.messaging.outbox import utcnow
from infohus_platform.runtime import Runtime

from ..domain import QUEUED, REVIEW_REMINDER
from ..storage import Delivery, NotificationRepository
from .context import Context

# Held notices are looked at this often, however often the dispatcher passes.
REVIEW_INTERVAL_SECONDS = 5.0


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


class ReviewReminders:
    """The dispatcher's review pass: at most every ``REVIEW_INTERVAL_SECONDS``, in its own transaction."""

    def __init__(self, runtime: Runtime, ctx: Context) -> None:
        self.runtime = runtime
        self.ctx = ctx
        self._last = 0.0

    async def maybe_queue(self) -> None:
        if time.monotonic() - self._last < REVIEW_INTERVAL_SECONDS:
            return
        self._last = time.monotonic()
        async with self.runtime.db.session() as session:
            if await queue_review_reminders(NotificationRepository(session), self.ctx, utcnow().date()):
                await session.commit()
