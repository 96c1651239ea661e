"""Partner systems: which consumed events a partner subscribed to is queued for it, and what one partner
delivery sends (a signed CloudEvent to its webhook, or the event on its own Kafka topic) once OPA allowed it."""

import json
from typing import Any
from uuid import uuid4

from pydantic import BaseModel
from sqlmodel.ext.asyncio.session import AsyncSession

from infohus_contracts.base.aggregates import AggregateReport
from infohus_contracts.base.classes import classes_present
from infohus_platform.runtime import Runtime

from ..channels import ChannelError, Channels, cloudevent_json
from ..domain import KAFKA, PARTNER_EVENT, QUEUED, WEBHOOK
from ..metrics import NotifyMetrics
from ..storage import Delivery, NotificationRepository
from .context import Context
from .sharing import Send, deny, record_decision


def wanted_by_a_partner(ctx: Context, headers: dict[str, str]) -> bool:
    """Whether any partner subscribed to this event's type (else it is passed over unrecorded)."""
    return any(headers.get("ce_type") in partner.event_types for partner in ctx.partners)


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


class PartnerDeliveries:
    """Prepares one partner delivery: OPA's share decision first, then the send over the partner's channel."""

    def __init__(self, runtime: Runtime, ctx: Context, channels: Channels, metrics: NotifyMetrics) -> None:
        self.runtime = runtime
        self.ctx = ctx
        self.settings = ctx.settings
        self.channels = channels
        self.metrics = metrics

    async def prepare(self, session: AsyncSession, repo: NotificationRepository, delivery: Delivery) -> Send | None:
        """Ask OPA; the coroutine factory that sends, or None when nothing is sent (denied)."""
        payload = delivery.payload or {}
        partner = self.ctx.partner(delivery.partner_id)
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
        await record_decision(session, delivery, decision, share["data_classes"], "statistics", None)
        if partner is None:
            deny(repo, delivery, ["the partner is no longer configured"], self.metrics)
            return None
        if not decision.allow:
            deny(repo, delivery, decision.reasons, self.metrics)
            return None
        headers = dict(payload.get("headers", {}))
        body = payload.get("body", {})
        delivery_id, channel, event_type = delivery.delivery_id, delivery.channel, delivery.event_type or ""
        prefix = self.settings.kafka_topic_prefix
        channels, broker_ready = self.channels, self.runtime.broker_ready

        async def send() -> None:
            if channel == WEBHOOK:
                assert partner.webhook_url and partner.webhook_secret
                await channels.webhooks.post(partner.webhook_url, partner.webhook_secret,
                                             cloudevent_json(headers, body), delivery_id=delivery_id,
                                             event_type=event_type)
            elif channel == KAFKA:
                publisher = channels.partner_publishers.get(partner.id)
                if publisher is None or not broker_ready.is_set():
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
