"""The delivery worker: takes due deliveries, asks OPA what each message may contain, renders it,
sends it, retries with exponential backoff (tenacity) and dead-letters it after the last attempt.

The delivery table is notify's outbox: a delivery is written in the same transaction as the event
that caused it (and the inbox record of that event), so nothing is lost and nothing is doubled.
"""

import asyncio
import json
import time
from datetime import timedelta
from typing import Any

import structlog
from faststream.kafka.publisher.usecase import DefaultPublisher
from jinja2 import TemplateError
from tenacity import AsyncRetrying, retry_if_exception_type, stop_after_attempt, wait_exponential

from infohus_contracts.base.classes import DataClass
from infohus_contracts.base.municipalities import municipality_name
from infohus_contracts.case.notifications import AddressingError, SealedAddressing, open_addressing
from infohus_platform.audit import processing_log
from infohus_platform.messaging.outbox import utcnow
from infohus_platform.messaging.relay import WakeableLoop
from infohus_platform.observability import MetricRegistry
from infohus_platform.policy import PolicyUnavailable, ShareDecision
from infohus_platform.runtime import Runtime

from .channels import ChannelError, DigitalPostAdapter, DigitalPostLetter, EmailChannel, WebhookChannel, cloudevent_json
from .config import Partner
from .domain import (
    DEAD_LETTERED,
    DENIED,
    DIGITAL_POST,
    EMAIL,
    FAILED,
    IN_APP,
    KAFKA,
    PARTNER_EVENT,
    QUEUED,
    RETRYING,
    REVIEW_REMINDER,
    SENDING,
    SENT,
    WEBHOOK,
    MessageField,
    MessagePlan,
    allowed_fields,
    message_plan,
)
from .notices import Context, queue_review_reminders
from .rendering import RenderedMessage, Templates
from .storage import Delivery, InboxItem, Notification, NotificationRepository

log = structlog.get_logger(__name__)


class MissingPolicyData(Exception):
    """Policy data a message quotes is not there: nothing is sent."""


class DeliveryMetrics:
    def __init__(self, metrics: MetricRegistry) -> None:
        self.deliveries = metrics.counter("infohus_notify_deliveries_total", "Deliveries by channel and outcome",
                                          ["channel", "outcome"])
        self.dead_lettered = metrics.counter("infohus_notify_dead_lettered_total",
                                             "Messages given up on after the last attempt; staff must act",
                                             ["channel"])
        self.attempts = metrics.counter("infohus_notify_attempts_total", "Delivery attempts by channel and outcome",
                                        ["channel", "outcome"])


class Dispatcher(WakeableLoop):
    def __init__(self, runtime: Runtime, ctx: Context, templates: Templates, digital_post: DigitalPostAdapter,
                 partner_publishers: dict[str, DefaultPublisher]) -> None:
        self.runtime = runtime
        self.ctx = ctx
        self.settings = ctx.settings
        self.templates = templates
        self.email = EmailChannel(ctx.settings)
        self.digital_post = digital_post
        self.webhooks = WebhookChannel(ctx.settings.webhook_timeout_seconds)
        self.partner_publishers = partner_publishers
        self.metrics = DeliveryMetrics(runtime.metrics)
        super().__init__()
        self._slots = asyncio.Semaphore(ctx.settings.notify_dispatch_concurrency)
        self._inflight: set[asyncio.Task] = set()
        self._last_review = 0.0

    # -- loop ---------------------------------------------------------------------------------

    async def run(self) -> None:
        await self.webhooks.start()
        try:
            while not self._stopping:
                try:
                    await self.review_reminders()
                    claimed = await self.dispatch_once()
                    if claimed:
                        continue
                except Exception as exc:  # database away: keep everything, try again
                    log.warning("dispatcher pass failed, retrying", error=type(exc).__name__)
                await self.idle(self.settings.notify_dispatch_poll_seconds)
        finally:
            for task in list(self._inflight):
                task.cancel()
            await asyncio.gather(*self._inflight, return_exceptions=True)
            await self.webhooks.close()

    async def review_reminders(self) -> None:
        if time.monotonic() - self._last_review < 5.0:
            return
        self._last_review = time.monotonic()
        async with self.runtime.db.session() as session:
            if await queue_review_reminders(NotificationRepository(session), self.ctx, utcnow().date()):
                await session.commit()

    async def dispatch_once(self) -> int:
        free = self.settings.notify_dispatch_concurrency - len(self._inflight)
        if free <= 0:
            return 0
        now = utcnow()
        async with self.runtime.db.session() as session:
            rows = await NotificationRepository(session).claim_due(
                now, free, now + timedelta(seconds=self.settings.notify_lease_seconds), self.runtime.db.is_postgres)
            ids = [row.delivery_id for row in rows]
            await session.commit()
        for delivery_id in ids:
            task = asyncio.create_task(self._guarded(delivery_id))
            self._inflight.add(task)
            task.add_done_callback(self._done)
        return len(ids)

    def _done(self, task: asyncio.Task) -> None:
        self._inflight.discard(task)
        self.wake()

    async def _guarded(self, delivery_id: str) -> None:
        async with self._slots:
            try:
                await self.process(delivery_id)
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                # Unexpected (a database conflict, the database away): give it back, to be tried again soon.
                log.error("delivery processing failed", delivery_id=delivery_id, error=type(exc).__name__)
                await self._release(delivery_id, f"error: {type(exc).__name__}")

    async def _release(self, delivery_id: str, detail: str) -> None:
        try:
            async with self.runtime.db.session() as session:
                repo = NotificationRepository(session)
                delivery = await repo.delivery(delivery_id)
                if delivery is not None and delivery.status in (SENDING, RETRYING):
                    delivery.status = QUEUED if delivery.attempts == 0 else RETRYING
                    delivery.lease_until = None
                    delivery.next_attempt_at = utcnow() + timedelta(seconds=2)
                    repo.log(delivery, detail)
                    await session.commit()
        except Exception as exc:  # the lease runs out and it is tried again then
            log.warning("could not release a delivery", delivery_id=delivery_id, error=type(exc).__name__)

    # -- one delivery -------------------------------------------------------------------------

    async def process(self, delivery_id: str) -> str:
        async with self.runtime.db.session() as session:
            repo = NotificationRepository(session)
            delivery = await repo.delivery(delivery_id)
            if delivery is None or delivery.status != SENDING:
                return delivery.status if delivery else "missing"
            notification = await repo.get(delivery.notification_id) if delivery.notification_id else None
            try:
                send = await self._prepare(session, repo, delivery, notification)
            except PolicyUnavailable:
                # Fail closed: nothing leaves; not an attempt; try again a little later.
                delivery.status = QUEUED if delivery.attempts == 0 else RETRYING
                delivery.next_attempt_at = utcnow() + timedelta(seconds=5)
                delivery.lease_until = None
                self.runtime.metrics.policy_unavailable.inc()
                await session.commit()
                return delivery.status
            await session.commit()
            if send is None:
                return delivery.status

        retrying = AsyncRetrying(
            stop=stop_after_attempt(max(delivery.max_attempts - delivery.attempts, 1)),
            wait=wait_exponential(multiplier=self.settings.notify_backoff_seconds,
                                  max=self.settings.notify_backoff_max_seconds),
            retry=retry_if_exception_type(ChannelError),
            reraise=True,
        )
        try:
            async for attempt in retrying:
                with attempt:
                    await self._attempt(delivery_id, send)
        except ChannelError as exc:
            await self._dead_letter(delivery_id, str(exc))
            return DEAD_LETTERED
        return SENT

    async def _attempt(self, delivery_id: str, send) -> None:
        async with self.runtime.db.session() as session:
            repo = NotificationRepository(session)
            delivery = await repo.delivery(delivery_id)
            assert delivery is not None
            delivery.attempts += 1
            delivery.status = SENDING
            delivery.lease_until = utcnow() + timedelta(seconds=self.settings.notify_lease_seconds)
            delivery.updated_at = utcnow()
            repo.log(delivery, f"attempt {delivery.attempts} of {delivery.max_attempts}")
            await session.commit()
            attempt_no, channel = delivery.attempts, delivery.channel
        try:
            await send()
        except ChannelError as exc:
            self.metrics.attempts.labels(channel, "failed").inc()
            async with self.runtime.db.session() as session:
                repo = NotificationRepository(session)
                delivery = await repo.delivery(delivery_id)
                assert delivery is not None
                delivery.last_error = str(exc)[:500]
                repo.log(delivery, str(exc), status=FAILED)
                if attempt_no < delivery.max_attempts:
                    delivery.status = RETRYING
                    repo.log(delivery, "will be retried", status="retried")
                delivery.updated_at = utcnow()
                await session.commit()
            log.warning("delivery attempt failed", delivery_id=delivery_id, channel=channel, attempt=attempt_no,
                        error=str(exc))
            raise
        self.metrics.attempts.labels(channel, "sent").inc()
        async with self.runtime.db.session() as session:
            repo = NotificationRepository(session)
            delivery = await repo.delivery(delivery_id)
            assert delivery is not None
            delivery.status = SENT
            delivery.sent_at = utcnow()
            delivery.updated_at = delivery.sent_at
            delivery.lease_until = None
            late = delivery.deadline is not None and delivery.sent_at > _aware(delivery.deadline)
            repo.log(delivery, "sent after its deadline" if late else None)
            await session.commit()
        self.metrics.deliveries.labels(channel, SENT).inc()

    async def _dead_letter(self, delivery_id: str, reason: str) -> None:
        async with self.runtime.db.session() as session:
            repo = NotificationRepository(session)
            delivery = await repo.delivery(delivery_id)
            assert delivery is not None
            delivery.status = DEAD_LETTERED
            delivery.status_reason = f"gave up after {delivery.attempts} attempts: {reason}"[:500]
            delivery.lease_until = None
            delivery.updated_at = utcnow()
            repo.log(delivery, delivery.status_reason)
            await session.commit()
            channel = delivery.channel
        self.metrics.dead_lettered.labels(channel).inc()
        self.metrics.deliveries.labels(channel, DEAD_LETTERED).inc()
        log.error("delivery dead-lettered", delivery_id=delivery_id, channel=channel, reason=reason)

    async def _deny(self, repo: NotificationRepository, delivery: Delivery, reasons: list[str]) -> None:
        delivery.status = DENIED
        delivery.deny_reasons = reasons
        delivery.status_reason = "denied by policy"
        delivery.lease_until = None
        delivery.updated_at = utcnow()
        repo.log(delivery, "; ".join(reasons)[:500])
        self.metrics.deliveries.labels(delivery.channel, DENIED).inc()

    async def _record_decision(self, session, delivery: Delivery, decision: ShareDecision, classes: list[str],
                               purpose: str, subject_ref: str | None) -> None:
        delivery.decision_id = decision.decision_id
        delivery.policy_version = decision.policy_version
        delivery.legal_basis = decision.legal_basis
        await processing_log.record(
            session, actor="service:notify", action=f"send:{delivery.channel}:{delivery.template}",
            purpose=purpose, outcome="allowed" if decision.allow else "denied", subjects=[subject_ref],
            data_classes=classes, decision_id=decision.decision_id,
        )

    # -- what to send ---------------------------------------------------------------------------

    async def _prepare(self, session, repo: NotificationRepository, delivery: Delivery,
                       notification: Notification | None):
        """Ask OPA, render, and return the coroutine factory that sends; None when nothing is sent."""
        if delivery.purpose == PARTNER_EVENT:
            return await self._prepare_partner(session, repo, delivery)
        assert notification is not None
        request = notification.request
        address: dict[str, Any] = {}
        if delivery.recipient.get("kind") == "data_subject":
            try:
                address = self._open_address(notification)
            except AddressingError as exc:
                delivery.status = "unaddressed"
                delivery.status_reason = str(exc)[:500]
                repo.log(delivery)
                return None
        if delivery.purpose == REVIEW_REMINDER:
            # To the registration coordinators, about the art. 14 decision: a reference and a link only.
            plan = MessagePlan(recipient={"kind": "internal", "org": self.settings.infohus_org,
                                          "role": "registration_coordinator"}, purpose="duty_to_inform",
                               fields=[MessageField("reference", DataClass.PROCESS,
                                                    notification.notification_id[:8].upper())])
        else:
            plan = message_plan(
                kind=request["kind"], recipient=delivery.recipient, org=self.settings.infohus_org,
                municipality_code=notification.municipality_code, request=request,
                notification_id=notification.notification_id, citizen_name=address.get("name"),
                honour_conflict=bool(request.get("honour_conflict")),
            )
        preview = await self.runtime.policy.share_preview(plan.preview_input(self.settings.sender()))
        fields = allowed_fields(plan, preview.result or {})
        classes = sorted({f.data_class.value for f in fields})
        decision = await self.runtime.policy.share(plan.share_input(self.settings.sender(), classes))
        await self._record_decision(session, delivery, decision, classes, plan.purpose, notification.concern_id)
        delivery.shared_fields = [f.name for f in fields]
        delivery.withheld_fields = [f.name for f in plan.fields if f not in fields]
        if not decision.allow:
            await self._deny(repo, delivery, decision.reasons)
            return None
        try:
            context = await self._context(notification, delivery, {f.name: f.value for f in fields})
        except MissingPolicyData as exc:
            await self._deny(repo, delivery, [str(exc)])
            return None
        template = delivery.template
        delivery_id = delivery.delivery_id
        channel = delivery.channel
        recipient = dict(delivery.recipient)

        async def send() -> None:
            try:
                message = self.templates.render(template, context)
            except TemplateError as exc:
                raise ChannelError(f"template {template}: {type(exc).__name__}: {exc}"[:300]) from None
            await self._send_message(delivery_id, channel, recipient, message, notification, template,
                                     context.get("link"))

        return send

    def _open_address(self, notification: Notification) -> dict[str, Any]:
        if not notification.sealed_addressing:
            raise AddressingError("no address in the request")
        sealed = SealedAddressing.model_validate(notification.sealed_addressing)
        return open_addressing(sealed, notification.notification_id, self.ctx.key())

    async def _context(self, notification: Notification, delivery: Delivery, allowed: dict[str, Any]) -> dict:
        municipality = municipality_name(notification.municipality_code) or notification.municipality_code
        context: dict[str, Any] = {
            "municipality": municipality,
            "controller": self.settings.notify_controller_name or f"{municipality} Kommune",
            "network_meeting": notification.kind == "meeting_summons" and not notification.concern_id,
            "honour_conflict": bool(notification.request.get("honour_conflict")),
            "kind": notification.kind,
        } | allowed
        link_path = allowed.get("link_path")
        if delivery.purpose == REVIEW_REMINDER:
            link_path = f"/notifications/{notification.notification_id}"
        context["link"] = self.settings.notify_ui_base_url.rstrip("/") + link_path if link_path else None
        if notification.kind == "duty_to_inform" and delivery.purpose != REVIEW_REMINDER:
            notice = await self.runtime.policy.data("notice")
            retention = await self.runtime.policy.data("retention")
            if not isinstance(notice, dict) or not isinstance(retention, dict):
                raise MissingPolicyData("the letter's texts are missing from policy data (infohus/config/notice, "
                                        "infohus/config/retention): not sent; retry once the policy is deployed")
            regime = self.settings.infohus_regime
            context["notice"] = notice | {"legal_basis": notice.get("legal_basis", {}).get(regime, [])}
            rules = retention.get("rules", {})
            outcome = retention.get("outcome_rules", {})
            context["retention"] = {
                "unfounded_months": rules.get(outcome.get("unfounded", "P1"), {}).get("months"),
                "effort_months": rules.get(outcome.get("effort", "P2"), {}).get("months"),
            }
            context["controller_contact"] = self.settings.notify_controller_contact
            context["dpo_contact"] = self.settings.notify_dpo_contact
        return context

    async def _send_message(self, delivery_id: str, channel: str, recipient: dict[str, Any],
                            message: RenderedMessage, notification: Notification, template: str,
                            link: str | None) -> None:
        if channel == IN_APP:
            async with self.runtime.db.session() as session:
                await NotificationRepository(session).add_inbox_item(InboxItem(
                    item_id=delivery_id, user_id=recipient.get("user_id"),
                    role=None if recipient.get("user_id") else recipient.get("role"),
                    kind=template, subject=message.subject, body=message.text, link=link,
                ))
                await session.commit()
            return
        if channel == EMAIL:
            await self.email.send(delivery_id, self._email_of(recipient, notification), message)
            return
        if channel == DIGITAL_POST:
            cpr = self._open_address(notification).get("cpr") if recipient.get("kind") == "data_subject" else None
            if not cpr:
                raise ChannelError("digital post: no CPR to address the letter to")
            await self.digital_post.send(DigitalPostLetter(
                delivery_id=delivery_id, cpr=cpr, sender=self.settings.infohus_org,
                sender_name=self.settings.notify_controller_name
                or f"{municipality_name(notification.municipality_code) or ''} Kommune".strip(),
                kind=template, message=message))
            return
        if channel == WEBHOOK:
            member = self._staff(recipient.get("user_id"))
            if member is None or not member.webhook_url:
                raise ChannelError("webhook: the staff member has no webhook")
            body = json.dumps({"subject": message.subject, "text": message.text, "link": link},
                              ensure_ascii=False).encode()
            await self.webhooks.post(member.webhook_url, self._staff_webhook_secret(), body,
                                     delivery_id=delivery_id, event_type=f"dk.infohus.notify.{template}",
                                     content_type="application/json")
            return
        raise ChannelError(f"unknown channel {channel}")

    def _staff(self, user_id: str | None):
        return next((m for m in self.ctx.staff if m.user_id == user_id), None)

    def _staff_webhook_secret(self) -> str:
        secret = self.settings.notify_staff_webhook_secret
        if secret is None:
            raise ChannelError("webhook: NOTIFY_STAFF_WEBHOOK_SECRET is not set")
        return secret.get_secret_value()

    def _email_of(self, recipient: dict[str, Any], notification: Notification) -> str:
        kind = recipient.get("kind")
        if kind == "data_subject":
            email = self._open_address(notification).get("email")
        elif kind == "meeting_participant":
            email = recipient.get("email")
        else:
            member = self._staff(recipient.get("user_id"))
            email = member.email if member else None
        if not email:
            raise ChannelError("email: no address for this recipient")
        return email

    # -- partners -------------------------------------------------------------------------------

    def _partner(self, partner_id: str | None) -> Partner | None:
        return next((p for p in self.ctx.partners if p.id == partner_id), None)

    async def _prepare_partner(self, session, repo: NotificationRepository, delivery: Delivery):
        payload = delivery.payload or {}
        partner = self._partner(delivery.partner_id)
        share = {
            "action": "publish",
            "sender": self.settings.sender(),
            "recipient": {"kind": "partner_system", "id": delivery.partner_id, "org": self.settings.infohus_org},
            "purpose": "statistics",
            "acting_role": "system",
            "event_type": delivery.event_type,
            "data_classes": payload.get("data_classes", []),
        }
        if payload.get("aggregate"):
            share["aggregate"] = payload["aggregate"]
        decision = await self.runtime.policy.share(share)
        await self._record_decision(session, delivery, decision, share["data_classes"], "statistics", None)
        if partner is None:
            await self._deny(repo, delivery, ["the partner is no longer configured"])
            return None
        if not decision.allow:
            await self._deny(repo, delivery, decision.reasons)
            return None
        headers = dict(payload.get("headers", {}))
        body = payload.get("body", {})
        delivery_id, channel, event_type = delivery.delivery_id, delivery.channel, delivery.event_type or ""
        prefix = self.settings.kafka_topic_prefix

        async def send() -> None:
            if channel == WEBHOOK:
                assert partner.webhook_url and partner.webhook_secret
                await self.webhooks.post(partner.webhook_url, partner.webhook_secret, cloudevent_json(headers, body),
                                         delivery_id=delivery_id, event_type=event_type)
            elif channel == KAFKA:
                publisher = self.partner_publishers.get(partner.id)
                if publisher is None or not self.runtime.broker_ready.is_set():
                    raise ChannelError("kafka: the partner topic is not available yet")
                try:
                    await publisher.publish(json.dumps(body, ensure_ascii=False).encode(),
                                            key=(headers.get("ce_subject") or partner.id).encode(),
                                            headers=headers | {"ce_partner": partner.id})
                except Exception as exc:
                    raise ChannelError(f"kafka {prefix}{partner.topic}: {type(exc).__name__}") from None
            else:
                raise ChannelError(f"unknown partner channel {channel}")

        return send


def _aware(moment):
    from datetime import UTC

    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)
