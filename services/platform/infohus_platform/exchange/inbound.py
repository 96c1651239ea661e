"""The receiving end: a message from another organisation is accepted only when its signature, its sender, its
type and the receiver's own policy all say so; everything else is refused without its body.

``@receive(runtime, ENRICHMENT_REQUESTED)`` registers the handler of one message type; the service that is its
type's ``receiver`` subscribes to every link topic towards its organisation (``Exchange.inbound_topics``).
"""

import asyncio
import re
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import structlog
from aiokafka import ConsumerRecord
from faststream import AckPolicy
from faststream.kafka import KafkaMessage
from pydantic import TypeAdapter, ValidationError

from infohus_contracts.base.classes import classes_present
from infohus_contracts.base.cloudevents import CloudEventAttributes
from infohus_contracts.base.district import link_of
from infohus_contracts.base.exchange import (
    DECISION_HEADER,
    POLICY_VERSION_HEADER,
    RECIPIENT_HEADER,
    SENDER_HEADER,
    ExchangeRefused,
    ExchangeType,
)
from infohus_contracts.base.topics import EXCHANGE_REFUSED
from infohus_platform.audit import processing_log
from infohus_platform.errors import DependencyUnavailable, RuleViolation
from infohus_platform.messaging.consumer import (
    bind_context,
    consume_once,
    dead_letter_reason,
    raw_bodies,
    text_headers,
)
from infohus_platform.messaging.kafka import describe_validation_error
from infohus_platform.runtime import Runtime

from .link import Exchange, ExchangeDelivery, ExchangeHandler
from .receipts import ExchangeReceipt
from .signing import SignatureRefused, verify

log = structlog.get_logger(__name__)
TYPE_PATTERN = re.compile(r"[a-z0-9._-]{1,100}")


class Refused(Exception):
    def __init__(self, code: str, reason: str) -> None:
        super().__init__(reason)
        self.code = code
        self.reason = reason


def receive(runtime: Runtime, message: ExchangeType) -> Callable[[ExchangeHandler], ExchangeHandler]:
    """Register ``handler(body, delivery)`` for one message type; a stand-alone instance registers nothing."""

    def decorate(handler: ExchangeHandler) -> ExchangeHandler:
        if message.receiver != runtime.settings.service_name:
            raise ValueError(f"{message.type} is received by {message.receiver}, not {runtime.settings.service_name}")
        if runtime.exchange is not None:
            runtime.exchange.handlers[message.type] = (message, handler)
        return handler

    return decorate


class ExchangeInbound:
    """What the receiving service subscribes to the link topics towards its organisation."""

    def __init__(self, runtime: Runtime, exchange: Exchange) -> None:
        self.runtime = runtime
        self.exchange = exchange
        self.failures: dict[tuple[str, int, int], int] = {}
        self.contracts: dict[str, TypeAdapter[Any]] = {}

    def subscribe(self) -> None:
        settings = self.runtime.settings

        async def consume(events: Any, message: KafkaMessage) -> None:
            for record in message.raw_message:
                await self.one(record)

        self.exchange.broker.subscriber(
            *self.exchange.inbound_topics(), group_id=self.exchange.group_id(), ack_policy=AckPolicy.NACK_ON_ERROR,
            auto_offset_reset="earliest", batch=True, max_records=settings.consumer_batch_size,
            batch_timeout_ms=settings.consumer_batch_timeout_ms, decoder=raw_bodies,
            session_timeout_ms=6000, heartbeat_interval_ms=1000, rebalance_timeout_ms=30000,
        )(consume)

    async def one(self, record: ConsumerRecord) -> None:
        headers = text_headers(record)
        bind_context(headers)
        link = link_of(record.topic, self.runtime.settings.exchange_topic_prefix)
        sender = link[0] if link else "unknown"
        try:
            message, handler, body = self.check(record, headers, link)
            decision = await self.runtime.policy.exchange_accept(self.accept_input(headers, sender, message, body))
            if not decision.allow:
                raise Refused("policy", "; ".join(decision.reasons)[:1000] or "refused by the receiver's policy")
            await self.handle(record, headers, sender, message, handler, body, decision)
        except Refused as refusal:
            await self.refuse(record, headers, sender, refusal.code, refusal.reason)
        except DependencyUnavailable as exc:
            # The database or OPA is away: nothing is accepted now and the record is delivered again.
            self.runtime.metrics.redeliveries.labels(record.topic).inc()
            log.warning("exchange: a dependency is unavailable, will retry", error=type(exc).__name__)
            await asyncio.sleep(1.0)
            raise
        except Exception as exc:
            known = dead_letter_reason(exc, self.runtime.settings.infohus_org)
            if known is None and isinstance(exc, RuleViolation):
                known = (f"{exc.field}: {exc.reason}", "rule")
            if known is not None:  # the message itself is wrong: retrying cannot help
                await self.refuse(record, headers, sender, known[1], known[0])
                return
            position = (record.topic, record.partition, record.offset)
            attempts = self.failures.get(position, 0) + 1
            self.failures[position] = attempts
            if attempts >= self.runtime.settings.consumer_max_attempts:
                self.failures.pop(position, None)
                await self.refuse(record, headers, sender, "handler_failed",
                                  f"handler failed {attempts} times: {type(exc).__name__}")
                return
            log.warning("exchange: handling failed, will retry", error=type(exc).__name__, attempt=attempts)
            await asyncio.sleep(min(0.2 * 2**attempts, 5.0))
            raise

    def check(self, record: ConsumerRecord, headers: dict[str, str],
              link: tuple[str, str] | None) -> tuple[ExchangeType, ExchangeHandler, Any]:
        district, org = self.exchange.district, self.exchange.org
        if link is None or link[1] != org:
            raise Refused("link", "not a link topic towards this organisation")
        sender = link[0]
        try:
            CloudEventAttributes.from_headers({**headers})
        except ValidationError:
            raise Refused("headers", "missing or invalid CloudEvents headers") from None
        # Only the sender's principal can write its link topic: the headers must agree with it.
        if headers.get(SENDER_HEADER) != sender or headers.get(RECIPIENT_HEADER) != org:
            raise Refused("sender", "the sender or recipient in the headers is not the link's")
        if sender not in district.organisations:
            raise Refused("unknown_sender", "the sender is not in the district's trust list")
        try:
            verify(district, sender, headers, record.value or b"")
        except SignatureRefused as refusal:
            raise Refused(refusal.code, refusal.reason) from None
        message_type = headers.get("ce_type", "")
        if district.agreement(message_type, sender, org) is None:
            raise Refused("unagreed", "no agreement for this type from this sender to this organisation")
        found = self.exchange.handlers.get(message_type)
        if found is None:
            raise Refused("type", "this instance does not receive this type")
        message, handler = found
        contract = self.contracts.setdefault(message.type, TypeAdapter(message.schema))
        try:
            body = contract.validate_json(record.value or b"")
        except ValidationError as exc:
            raise Refused("schema", describe_validation_error(exc)) from None
        return message, handler, body

    def accept_input(self, headers: dict[str, str], sender: str, message: ExchangeType, body: Any) -> dict[str, Any]:
        settings = self.runtime.settings
        return {
            "sender": {"org": sender},
            "recipient": {"org": settings.infohus_org, "service": settings.service_name,
                          "regime": settings.infohus_regime},
            "message_type": message.type,
            "data_classes": sorted(c.value for c in classes_present(body)),
            "signature": "verified",
            "sender_decision": {"decision_id": headers.get(DECISION_HEADER, ""),
                                "policy_version": headers.get(POLICY_VERSION_HEADER, "")},
        }

    async def handle(self, record: ConsumerRecord, headers: dict[str, str], sender: str, message: ExchangeType,
                     handler: ExchangeHandler, body: Any, decision: Any) -> None:
        event_id = headers["ce_id"]
        topic = record.topic.removeprefix(self.runtime.settings.exchange_topic_prefix)
        async with self.runtime.db.session() as session:
            if await consume_once(session, event_id, topic):
                delivery = ExchangeDelivery(session, event_id, sender, message.type)
                await handler(body, delivery)
                session.add(ExchangeReceipt(
                    event_id=event_id, sender_org=sender, message_type=message.type,
                    sender_decision_id=headers.get(DECISION_HEADER, ""),
                    sender_policy_version=headers.get(POLICY_VERSION_HEADER) or None,
                    decision_id=decision.decision_id, policy_version=decision.policy_version,
                    legal_basis=decision.legal_basis,
                ))
                await processing_log.record(
                    session, actor=f"org:{sender}", action=f"exchange.accept:{message.type}",
                    subjects=delivery.subjects or [None], data_classes=sorted(c.value for c in classes_present(body)),
                    purpose="exchange", decision_id=decision.decision_id, outcome="allowed",
                )
                await session.commit()
                self.runtime.metrics.exchange_accepted.labels(sender, message.type).inc()
                self.runtime.relay.wake()
        self.failures.pop((record.topic, record.partition, record.offset), None)

    async def refuse(self, record: ConsumerRecord, headers: dict[str, str], sender: str, code: str,
                     reason: str) -> None:
        """Counted, and dead-lettered on the instance's own cluster: where, who and why, never the body."""
        settings = self.runtime.settings
        message_type = headers.get("ce_type", "")
        refusal = ExchangeRefused(
            event_id=(headers.get("ce_id") or "")[:64] or None,
            sender_org=sender if sender in self.exchange.district.organisations else "unknown",
            message_type=message_type if TYPE_PATTERN.fullmatch(message_type) else None,
            reason_code=code, reason=reason[:1000], link_topic=record.topic[:300], partition=record.partition,
            offset=record.offset, service=settings.service_name,
        )
        await self.runtime.broker.publish(
            refusal.model_dump_json().encode(), topic=EXCHANGE_REFUSED.qualified(settings.kafka_topic_prefix),
            headers=CloudEventAttributes(id=f"refused-{record.topic}-{record.partition}-{record.offset}"[:200],
                                         source=settings.source, type=EXCHANGE_REFUSED.type_template,
                                         time=_now()).to_headers(),
        )
        self.runtime.metrics.exchange_refused.labels(refusal.sender_org, code).inc()
        log.warning("exchange: message refused", sender=refusal.sender_org, reason=code, topic=record.topic,
                    partition=record.partition, offset=record.offset)


def _now() -> datetime:
    return datetime.now(UTC)


def subscribe_inbound(runtime: Runtime, exchange: Exchange) -> ExchangeInbound | None:
    """Subscribe the receiving service when it has handlers and the district has links towards it."""
    if not exchange.handlers or not exchange.inbound_topics():
        return None
    inbound = ExchangeInbound(runtime, exchange)
    inbound.subscribe()
    return inbound
