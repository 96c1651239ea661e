"""The Kafka broker of a service, its dead-letter sink and the one way to subscribe.

Every subscriber: a group id, ``NACK_ON_ERROR`` (offsets are committed only after processing),
``auto_offset_reset="earliest"``, batches of records. Malformed events, and events of a municipality
the instance does not serve (``tenancy.ForeignTenant``), go to ``<topic>.dlq`` with the reason and are
acked, so the consumer carries on; a handler that keeps failing on one event is retried with backoff
and dead-lettered after ``consumer_max_attempts`` (``consumer.py``).
"""

from collections.abc import Callable
from typing import Any

import structlog
from aiokafka import ConsumerRecord
from faststream import AckPolicy
from faststream.kafka import KafkaBroker
from faststream.kafka.prometheus import KafkaPrometheusMiddleware
from faststream.security import BaseSecurity, SASLPlaintext, SASLScram256, SASLScram512
from pydantic import ValidationError

from infohus_contracts.base.topics import DEAD_LETTER_SUFFIX, Topic, is_aggregate_only
from infohus_platform.observability import Metrics
from infohus_platform.settings import ServiceSettings

log = structlog.get_logger(__name__)


def describe_validation_error(exc: ValidationError) -> str:
    """Where and what, never the offending value (it may be personal data)."""
    parts = [f"{'.'.join(str(p) for p in err['loc']) or '<body>'}: {err['type']}" for err in exc.errors()]
    return "invalid body: " + "; ".join(parts[:10])


class DeadLetters:
    """The dead-letter sink the consumer (``consumer.py``) sends a record to, with the reason and its code."""

    def __init__(self, settings: ServiceSettings, metrics: Metrics, topics: tuple[Topic, ...]) -> None:
        self.settings = settings
        self.metrics = metrics
        self.topics = topics
        self.broker: KafkaBroker | None = None

    async def send(self, record: ConsumerRecord, reason: str, reason_code: str) -> None:
        topic, partition, offset = record.topic, record.partition, record.offset
        # A refused message on an aggregate-only topic may be a leak of case data: whoever refuses it
        # (the network, or notify for partners) quarantines it rather than copying it on.
        quarantine = is_aggregate_only(topic, self.topics)
        headers = {k: v.decode("utf-8", "replace") if isinstance(v, bytes) else v
                   for k, v in (record.headers or ()) if k.startswith("ce_")}
        if quarantine:
            headers.pop("ce_subject", None)
        headers |= {
            "dlq_reason": reason[:1000],
            "dlq_topic": topic,
            "dlq_partition": str(partition),
            "dlq_offset": str(offset),
            "dlq_service": self.settings.service_name,
        }
        body = b"" if quarantine else (record.value or b"")
        assert self.broker is not None
        await self.broker.publish(body, topic=topic + DEAD_LETTER_SUFFIX, headers=headers)
        self.metrics.dead_letters.labels(topic, reason_code).inc()
        if quarantine and reason_code != "handler_failed":
            self.metrics.quarantined.labels(topic.removeprefix(self.settings.kafka_topic_prefix)).inc()
        log.warning("event dead-lettered", topic=topic, partition=partition, offset=offset, reason=reason_code)


_SASL = {"PLAIN": SASLPlaintext, "SCRAM-SHA-256": SASLScram256, "SCRAM-SHA-512": SASLScram512}


def sasl_security(protocol: str, mechanism: str, credentials: Callable[[], tuple[str, str]]) -> BaseSecurity | None:
    """A principal and its password when a broker requires SASL; ``credentials`` is asked only then."""
    if protocol == "PLAINTEXT":
        return None
    username, password = credentials()
    return _SASL[mechanism](username=username, password=password, use_ssl=protocol == "SASL_SSL")


def kafka_security(settings: ServiceSettings) -> BaseSecurity | None:
    """The service's own principal when the broker requires SASL (``KAFKA_SECURITY_PROTOCOL``)."""
    return sasl_security(settings.kafka_security_protocol, settings.kafka_sasl_mechanism, settings.kafka_credentials)


def make_broker(settings: ServiceSettings, metrics: Metrics, dead_letters: DeadLetters) -> KafkaBroker:
    security = kafka_security(settings)
    broker = KafkaBroker(
        settings.kafka_bootstrap_servers,
        security=security,
        # With ACLs no service may create topics: they are made with the ACLs (kafka_acls apply).
        allow_auto_create_topics=security is None,
        client_id=f"infohus-{settings.service_name}",
        # Not idempotent: aiokafka's idempotent producer fails every send with OutOfOrderSequenceNumber
        # once the broker restarted. acks=all still waits for every in-sync replica; a send retried after
        # a restart may arrive twice, which the consumers' inbox (processed event ids) makes harmless.
        enable_idempotence=False,
        acks="all",
        middlewares=[KafkaPrometheusMiddleware(registry=metrics.registry, app_name=settings.service_name)],
        logger=None,
    )
    dead_letters.broker = broker
    return broker


def subscribe(broker: KafkaBroker, settings: ServiceSettings, topic: Topic, decoder: Any):
    """The one way a service subscribes: at-least-once, from the start, in the service's group, in batches of
    up to ``consumer_batch_size`` records (what arrived within ``consumer_batch_timeout_ms``)."""
    if settings.service_name not in topic.consumers:
        raise ValueError(f"{settings.service_name} is not a declared consumer of {topic.name}")
    return broker.subscriber(
        topic.qualified(settings.kafka_topic_prefix),
        group_id=settings.group_id(),
        ack_policy=AckPolicy.NACK_ON_ERROR,
        auto_offset_reset="earliest",
        batch=True,
        max_records=settings.consumer_batch_size,
        batch_timeout_ms=settings.consumer_batch_timeout_ms,
        decoder=decoder,
        # Rejoining after a fault is bounded by these: a SIGKILLed process's members leave the group after
        # the session timeout (the broker's minimum, 6 s, not 10 s); the others notice a rebalance at their
        # next heartbeat (1 s, not 3 s); and a rebalance waits at most 30 s for a member that does not
        # rejoin (aiokafka's default is max_poll_interval_ms, 5 minutes, during which the group consumes
        # nothing, e.g. after a broker restart while one consumer is still reconnecting).
        session_timeout_ms=6000,
        heartbeat_interval_ms=1000,
        rebalance_timeout_ms=30000,
    )
