"""One message to a person (a citizen's letter, a staff member's reminder, a meeting participant's summons):
OPA's preview says which fields it may hold and its share decision whether it goes at all; the citizen's
sealed address is opened only here, the message rendered from its template and sent over its channel."""

import json
from typing import Any

from jinja2 import TemplateError
from sqlmodel.ext.asyncio.session import AsyncSession

from infohus_contracts.base.municipalities import municipality_name
from infohus_contracts.case.notifications import AddressingError, SealedAddressing, open_addressing
from infohus_platform.runtime import Runtime

from ..channels import ChannelError, Channels, DigitalPostLetter
from ..domain import (
    DIGITAL_POST,
    EMAIL,
    IN_APP,
    REVIEW_REMINDER,
    UNADDRESSED,
    WEBHOOK,
    allowed_fields,
    message_plan,
    retention_months,
    review_reminder_plan,
)
from ..metrics import NotifyMetrics
from ..rendering import RenderedMessage, Templates
from ..storage import Delivery, InboxItem, Notification, NotificationRepository
from .context import Context
from .sharing import Send, deny, record_decision


class MissingPolicyData(Exception):
    """Policy data a message quotes is not there: nothing is sent."""


class MessageDeliveries:
    """Prepares one message delivery (notice or review reminder) and sends it through its channel."""

    def __init__(self, runtime: Runtime, ctx: Context, templates: Templates, channels: Channels,
                 metrics: NotifyMetrics) -> None:
        self.runtime = runtime
        self.ctx = ctx
        self.settings = ctx.settings
        self.templates = templates
        self.channels = channels
        self.metrics = metrics

    async def prepare(self, session: AsyncSession, repo: NotificationRepository, delivery: Delivery,
                      notification: Notification) -> Send | None:
        """Ask OPA, render, and return the coroutine factory that sends; None when nothing is sent."""
        request = notification.request
        address: dict[str, Any] = {}
        if delivery.recipient.get("kind") == "data_subject":
            try:
                address = self.open_address(notification)
            except AddressingError as exc:
                delivery.status = UNADDRESSED
                delivery.status_reason = str(exc)[:500]
                repo.log(delivery)
                return None
        if delivery.purpose == REVIEW_REMINDER:
            plan = review_reminder_plan(self.settings.infohus_org, notification.notification_id)
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
        await record_decision(session, delivery, decision, classes, plan.purpose, notification.concern_id)
        delivery.shared_fields = [f.name for f in fields]
        delivery.withheld_fields = [f.name for f in plan.fields if f not in fields]
        if not decision.allow:
            deny(repo, delivery, decision.reasons, self.metrics)
            return None
        try:
            context = await self.context(notification, delivery, {f.name: f.value for f in fields})
        except MissingPolicyData as exc:
            deny(repo, delivery, [str(exc)], self.metrics)
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
            await self.send(delivery_id, channel, recipient, message, notification, template, context.get("link"))

        return send

    def open_address(self, notification: Notification) -> dict[str, Any]:
        """The citizen's address, unsealed for this one message (only the sealed form is stored)."""
        if not notification.sealed_addressing:
            raise AddressingError("no address in the request")
        sealed = SealedAddressing.model_validate(notification.sealed_addressing)
        return open_addressing(sealed, notification.notification_id, self.ctx.key())

    def _municipality(self, notification: Notification) -> str | None:
        code = notification.municipality_code
        return (municipality_name(code) if code else None) or code

    async def context(self, notification: Notification, delivery: Delivery, allowed: dict[str, Any]) -> dict:
        """What the template sees: the fields OPA allowed, and for the letter the texts from policy data."""
        municipality = self._municipality(notification)
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
            context["retention"] = retention_months(retention)
            context["controller_contact"] = self.settings.notify_controller_contact
            context["dpo_contact"] = self.settings.notify_dpo_contact
        return context

    async def send(self, delivery_id: str, channel: str, recipient: dict[str, Any], message: RenderedMessage,
                   notification: Notification, template: str, link: str | None) -> None:
        """One attempt over the delivery's channel; ChannelError when it failed."""
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
            await self.channels.email.send(delivery_id, self._email_of(recipient, notification), message)
            return
        if channel == DIGITAL_POST:
            cpr = self.open_address(notification).get("cpr") if recipient.get("kind") == "data_subject" else None
            if not cpr:
                raise ChannelError("digital post: no CPR to address the letter to")
            await self.channels.digital_post.send(DigitalPostLetter(
                delivery_id=delivery_id, cpr=cpr, sender=self.settings.infohus_org,
                sender_name=self.settings.notify_controller_name
                or f"{self._letter_municipality(notification)} Kommune".strip(),
                kind=template, message=message))
            return
        if channel == WEBHOOK:
            member = self.ctx.staff_member(recipient.get("user_id"))
            if member is None or not member.webhook_url:
                raise ChannelError("webhook: the staff member has no webhook")
            body = json.dumps({"subject": message.subject, "text": message.text, "link": link},
                              ensure_ascii=False).encode()
            await self.channels.webhooks.post(member.webhook_url, self._staff_webhook_secret(), body,
                                              delivery_id=delivery_id, event_type=f"dk.infohus.notify.{template}",
                                              content_type="application/json")
            return
        raise ChannelError(f"unknown channel {channel}")

    @staticmethod
    def _letter_municipality(notification: Notification) -> str:
        code = notification.municipality_code
        return (municipality_name(code) if code else None) or ""

    def _staff_webhook_secret(self) -> str:
        secret = self.settings.notify_staff_webhook_secret
        if secret is None:
            raise ChannelError("webhook: NOTIFY_STAFF_WEBHOOK_SECRET is not set")
        return secret.get_secret_value()

    def _email_of(self, recipient: dict[str, Any], notification: Notification) -> str:
        kind = recipient.get("kind")
        if kind == "data_subject":
            email = self.open_address(notification).get("email")
        elif kind == "meeting_participant":
            email = recipient.get("email")
        else:
            member = self.ctx.staff_member(recipient.get("user_id"))
            email = member.email if member else None
        if not email:
            raise ChannelError("email: no address for this recipient")
        return email
