"""The Kafka broker of a service, with its broker-level middlewares written once.

Every subscriber: a group id, ``NACK_ON_ERROR`` (offsets are committed only after processing),
``auto_offset_reset="earliest"``. Malformed events go to ``<topic>.dlq`` with the reason and are
acked, so the consumer carries on; a handler that keeps failing on one event is retried with
backoff and dead-lettered after ``consumer_max_attempts``.
"""

import asyncio
import json
from collections.abc import Awaitable, Callable
from typing import Any

import structlog
from faststream import AckPolicy
from faststream._internal.middlewares import BaseMiddleware
from faststream.kafka import KafkaBroker
from faststream.kafka.prometheus import KafkaPrometheusMiddleware
from faststream.message import StreamMessage
from faststream.security import BaseSecurity, SASLPlaintext, SASLScram256, SASLScram512
from pydantic import ValidationError

from infohus_contracts.base.cloudevents import CloudEventAttributes
from infohus_contracts.base.topics import DEAD_LETTER_SUFFIX, Topic, is_aggregate_only
from infohus_platform import correlation
from infohus_platform.errors import MalformedEvent
from infohus_platform.observability import Metrics
from infohus_platform.settings import ServiceSettings

log = structlog.get_logger(__name__)


def describe_validation_error(exc: ValidationError) -> str:
    """Where and what, never the offending value (it may be personal data)."""
    parts = [f"{'.'.join(str(p) for p in err['loc']) or '<body>'}: {err['type']}" for err in exc.errors()]
    return "invalid body: " + "; ".join(parts[:10])


class DeadLetters:
    """Broker-level middleware factory: dead letters, retries with backoff, correlation ids."""

    def __init__(self, settings: ServiceSettings, metrics: Metrics, topics: tuple[Topic, ...]) -> None:
        self.settings = settings
        self.metrics = metrics
        self.topics = topics
        self.broker: KafkaBroker | None = None
        self.failures: dict[tuple[str, int, int], int] = {}

    def __call__(self, msg: Any, /, *, context: Any) -> "_DeadLetterMiddleware":
        return _DeadLetterMiddleware(msg, context=context, config=self)

    async def dead_letter(self, message: StreamMessage, reason: str, reason_code: str) -> None:
        record = message.raw_message
        topic, partition, offset = record.topic, record.partition, record.offset
        # A refused message on an aggregate-only topic may be a leak of case data: whoever refuses it
        # (the network, or notify for partners) quarantines it rather than copying it on.
        quarantine = is_aggregate_only(topic, self.topics)
        headers = {k: v for k, v in (message.headers or {}).items() if isinstance(v, str) and k.startswith("ce_")}
        if quarantine:
            headers.pop("ce_subject", None)
        headers |= {
            "dlq_reason": reason[:1000],
            "dlq_topic": topic,
            "dlq_partition": str(partition),
            "dlq_offset": str(offset),
            "dlq_service": self.settings.service_name,
        }
        body = b"" if quarantine else message.body
        assert self.broker is not None
        await self.broker.publish(body, topic=topic + DEAD_LETTER_SUFFIX, headers=headers)
        self.metrics.dead_letters.labels(topic, reason_code).inc()
        if quarantine and reason_code != "handler_failed":
            self.metrics.quarantined.labels(topic.removeprefix(self.settings.kafka_topic_prefix)).inc()
        log.warning("event dead-lettered", topic=topic, partition=partition, offset=offset, reason=reason_code)


class _DeadLetterMiddleware(BaseMiddleware):
    def __init__(self, msg: Any, /, *, context: Any, config: DeadLetters) -> None:
        super().__init__(msg, context=context)
        self.config = config

    async def consume_scope(self, call_next: Callable[[Any], Awaitable[Any]], msg: StreamMessage) -> Any:
        try:
            attributes = CloudEventAttributes.from_headers(msg.headers or {})
        except ValidationError:
            return await self.config.dead_letter(msg, "missing or invalid CloudEvents headers", "headers")
        correlation.bind(correlation.sanitize(_text(msg.headers.get(correlation.HEADER))) or attributes.id)
        structlog.contextvars.bind_contextvars(event_id=attributes.id, event_type=attributes.type)
        record = msg.raw_message
        position = (record.topic, record.partition, record.offset)
        try:
            result = await call_next(msg)
        except ValidationError as exc:
            return await self.config.dead_letter(msg, describe_validation_error(exc), "schema")
        except (MalformedEvent, json.JSONDecodeError, UnicodeDecodeError) as exc:
            return await self.config.dead_letter(msg, f"malformed event: {exc}", "malformed")
        except Exception as exc:
            attempts = self.config.failures.get(position, 0) + 1
            self.config.failures[position] = attempts
            if attempts >= self.config.settings.consumer_max_attempts:
                self.config.failures.pop(position, None)
                return await self.config.dead_letter(
                    msg, f"handler failed {attempts} times: {type(exc).__name__}", "handler_failed"
                )
            self.config.metrics.redeliveries.labels(record.topic).inc()
            log.warning("event handling failed, will retry", error=type(exc).__name__, attempt=attempts)
            await asyncio.sleep(min(0.2 * 2**attempts, 5.0))
            raise
        self.config.failures.pop(position, None)
        return result


def _text(value: str | bytes | None) -> str | None:
    return value.decode("latin-1") if isinstance(value, bytes) else value


_SASL = {"PLAIN": SASLPlaintext, "SCRAM-SHA-256": SASLScram256, "SCRAM-SHA-512": SASLScram512}


def kafka_security(settings: ServiceSettings) -> BaseSecurity | None:
    """The service's own principal when the broker requires SASL (``KAFKA_SECURITY_PROTOCOL``)."""
    if settings.kafka_security_protocol == "PLAINTEXT":
        return None
    username, password = settings.kafka_credentials()
    use_ssl = settings.kafka_security_protocol == "SASL_SSL"
    return _SASL[settings.kafka_sasl_mechanism](username=username, password=password, use_ssl=use_ssl)


def make_broker(settings: ServiceSettings, metrics: Metrics, dead_letters: DeadLetters) -> KafkaBroker:
    security = kafka_security(settings)
    broker = KafkaBroker(
        settings.kafka_bootstrap_servers,
        security=security,
        # With ACLs no service may create topics: they are made with the ACLs (kafka_acls apply).
        allow_auto_create_topics=security is None,
        client_id=f"infohus-{settings.service_name}",
        enable_idempotence=True,
        middlewares=[
            dead_letters,
            KafkaPrometheusMiddleware(registry=metrics.registry, app_name=settings.service_name),
        ],
        logger=None,
    )
    dead_letters.broker = broker
    return broker


def subscribe(broker: KafkaBroker, settings: ServiceSettings, topic: Topic):
    """The one way a service subscribes: at-least-once, from the start, in the service's group."""
    if settings.service_name not in topic.consumers:
        raise ValueError(f"{settings.service_name} is not a declared consumer of {topic.name}")
    return broker.subscriber(
        topic.qualified(settings.kafka_topic_prefix),
        group_id=settings.group_id(),
        ack_policy=AckPolicy.NACK_ON_ERROR,
        auto_offset_reset="earliest",
    )
