"""The one way a service consumes an event: a handler that is only its rule.

``@consumer(runtime, TOPIC)`` subscribes the handler at-least-once (``messaging.kafka.subscribe``) and
takes the records in batches (up to ``CONSUMER_BATCH_SIZE``). Each record's CloudEvents headers and body
are checked against the topic's contract; a malformed one goes to the dead-letter topic with the reason
(``runtime.dead_letters``). The valid ones are handled in ONE database transaction: per record the inbox
skips an event id already processed, the handler runs, and the batch commits once and wakes the outbox
relay (or what ``wake`` names) once::

    @consumer(runtime, CONCERN_RECEIVED)
    async def on_concern_received(concern: ConcernReceived, delivery: Delivery) -> None:
        await cases.open_case(runtime, delivery.session, concern)

When the batch fails, its records are handled again one at a time, each in its own transaction, so a bad
record is isolated: a record its handler finds malformed (``MalformedEvent``, ``ForeignTenant``, a
``ValidationError``) is dead-lettered; one whose dependency is away (``DependencyUnavailable``) waits,
never dead-lettered; any other failure is retried with backoff and dead-lettered after
``consumer_max_attempts``. A retry nacks the batch: Kafka delivers it again from its first record, and
the inbox skips what was already committed.
"""

import asyncio
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import Any

import structlog
from aiokafka import ConsumerRecord
from faststream.kafka import KafkaMessage
from faststream.message import StreamMessage
from pydantic import SkipValidation, TypeAdapter, ValidationError
from sqlmodel.ext.asyncio.session import AsyncSession

from infohus_contracts.base.cloudevents import CloudEventAttributes
from infohus_contracts.base.topics import Topic
from infohus_platform import correlation
from infohus_platform.errors import DependencyUnavailable, MalformedEvent
from infohus_platform.runtime import Runtime
from infohus_platform.tenancy import ForeignTenant

from .kafka import DeadLetters, describe_validation_error, subscribe
from .outbox import ProcessedEvent

log = structlog.get_logger(__name__)

Handler = Callable[[Any, "Delivery"], Awaitable[None]]


@dataclass(frozen=True)
class Delivery:
    """One consumed event as a handler sees it: its session (committed after the handler), its id and type."""

    session: AsyncSession
    event_id: str
    event_type: str
    headers: dict[str, str]


@dataclass(frozen=True)
class Received:
    """One record of a batch that passed the contract check."""

    record: ConsumerRecord
    event: Any
    headers: dict[str, str]

    @property
    def event_id(self) -> str:
        return self.headers["ce_id"]


def position(record: ConsumerRecord) -> tuple[str, int, int]:
    return record.topic, record.partition, record.offset


async def consume_once(session: AsyncSession, event_id: str, topic: str) -> bool:
    """True the first time this event id is seen; records it in the caller's transaction."""
    if await session.get(ProcessedEvent, event_id) is not None:
        return False
    session.add(ProcessedEvent(event_id=event_id, topic=topic))
    return True


def text_headers(record: ConsumerRecord) -> dict[str, str]:
    return {k: v.decode("utf-8", "replace") if isinstance(v, bytes) else v for k, v in (record.headers or ())
            if isinstance(v, str | bytes)}


def bind_context(headers: dict[str, str]) -> None:
    """The record's correlation id and event in every log line while it is handled."""
    correlation.bind(correlation.sanitize(headers.get(correlation.HEADER)) or headers.get("ce_id"))
    structlog.contextvars.bind_contextvars(event_id=headers.get("ce_id"), event_type=headers.get("ce_type"))


def dead_letter_reason(exc: Exception, org: str) -> tuple[str, str] | None:
    """Why a handler's failure means the event itself is wrong (reason, code); None when retrying may help."""
    if isinstance(exc, ValidationError):
        return describe_validation_error(exc), "schema"
    if isinstance(exc, ForeignTenant):
        return f"municipality {exc.municipality_code} is not served by {org}", "tenant"
    if isinstance(exc, MalformedEvent):
        return f"malformed event: {exc}", "malformed"
    return None


class BatchConsumer:
    """What ``@consumer`` subscribes: the contract check, the batch transaction and the one-at-a-time fallback."""

    def __init__(self, runtime: Runtime, topic: Topic, handler: Handler,
                 accepts: Callable[[dict[str, str]], bool] | None, wake: Callable[[], None] | None) -> None:
        self.runtime = runtime
        self.topic = topic
        self.handler = handler
        self.accepts = accepts
        self.wake = wake or runtime.relay.wake
        self.contract: TypeAdapter[Any] = TypeAdapter(topic.schema)
        self.dead_letters: DeadLetters = runtime.dead_letters
        self.failures: dict[tuple[str, int, int], int] = {}
        # Records of a batch that was nacked after they were dead-lettered: its redelivery passes over them.
        self.dead_lettered: set[tuple[str, int, int]] = set()

    async def __call__(self, records: Sequence[ConsumerRecord]) -> None:
        await self.consume(records)
        self.dead_lettered.difference_update(position(record) for record in records)  # acked: never again

    async def dead_letter(self, record: ConsumerRecord, reason: str, reason_code: str) -> None:
        await self.dead_letters.send(record, reason, reason_code)
        self.dead_lettered.add(position(record))

    async def consume(self, records: Sequence[ConsumerRecord]) -> None:
        received = [item for record in records if (item := await self.check(record)) is not None]
        if not received:
            return
        try:
            handled = await self.handle(received)
        except Exception:
            if len(received) > 1:
                log.info("batch failed, handling its records one at a time", records=len(received))
            handled = 0
            try:
                for item in received:
                    handled += await self.handle_alone(item)
            finally:
                if handled:  # what was committed before a retry leaves at once too
                    self.wake()
            return
        if handled:
            self.wake()

    async def check(self, record: ConsumerRecord) -> Received | None:
        """The record as its contract says, or None: dead-lettered when malformed (or already), or passed over by
        ``accepts``."""
        if position(record) in self.dead_lettered:
            return None
        headers = text_headers(record)
        bind_context(headers)
        try:
            CloudEventAttributes.from_headers({**headers})
        except ValidationError:
            await self.dead_letter(record, "missing or invalid CloudEvents headers", "headers")
            return None
        try:
            event = self.contract.validate_json(record.value or b"")
        except ValidationError as exc:
            await self.dead_letter(record, describe_validation_error(exc), "schema")
            return None
        if self.accepts is not None and not self.accepts(headers):
            return None  # neither processed nor recorded
        return Received(record, event, headers)

    async def handle(self, batch: Sequence[Received]) -> int:
        """Every record of ``batch`` in one transaction: inbox check and handler per record, one commit.
        Returns how many were new (an event id already processed is skipped)."""
        handled = 0
        async with self.runtime.db.session() as session:
            for item in batch:
                bind_context(item.headers)
                if await consume_once(session, item.event_id, self.topic.name):
                    await self.handler(item.event, Delivery(session, item.event_id, item.headers.get("ce_type", ""),
                                                            item.headers))
                    handled += 1
            await session.commit()
        for item in batch:
            self.failures.pop(position(item.record), None)
        return handled

    async def handle_alone(self, item: Received) -> int:
        """One record in its own transaction; what its failure means decides whether it is retried."""
        try:
            return await self.handle([item])
        except DependencyUnavailable as exc:
            # The database or OPA is away: the event is fine, so it waits for them however long that takes.
            self.runtime.metrics.redeliveries.labels(item.record.topic).inc()
            log.warning("a dependency is unavailable, will retry", error=type(exc).__name__)
            await asyncio.sleep(1.0)
            raise
        except Exception as exc:
            reason = dead_letter_reason(exc, self.runtime.settings.infohus_org)
            if reason is not None:
                await self.dead_letter(item.record, *reason)
                return 0
            attempts = self.failures.get(position(item.record), 0) + 1
            self.failures[position(item.record)] = attempts
            if attempts >= self.runtime.settings.consumer_max_attempts:
                self.failures.pop(position(item.record), None)
                await self.dead_letter(item.record, f"handler failed {attempts} times: {type(exc).__name__}",
                                       "handler_failed")
                return 0
            self.runtime.metrics.redeliveries.labels(item.record.topic).inc()
            log.warning("event handling failed, will retry", error=type(exc).__name__, attempt=attempts)
            await asyncio.sleep(min(0.2 * 2**attempts, 5.0))
            raise


async def raw_bodies(message: StreamMessage[Any]) -> Any:
    """The batch's bodies as they came: each record is decoded and checked on its own (``BatchConsumer.check``)."""
    return message.body


def consumer(
    runtime: Runtime,
    topic: Topic,
    *,
    accepts: Callable[[dict[str, str]], bool] | None = None,
    wake: Callable[[], None] | None = None,
) -> Callable[[Handler], Handler]:
    """Subscribe ``handler(event, delivery)`` to ``topic``; ``accepts(headers)`` may pass over an event
    before any database work (it is then neither processed nor recorded)."""

    def decorate(handler: Handler) -> Handler:
        batch = BatchConsumer(runtime, topic, handler, accepts, wake)

        # The annotation documents one event per record in the AsyncAPI document; the records are
        # validated one by one against the same contract (``BatchConsumer.check``), not by FastStream.
        async def consume(events: SkipValidation[topic.schema], message: KafkaMessage) -> None:  # type: ignore[name-defined]
            await batch(message.raw_message)

        consume.__name__ = consume.__qualname__ = handler.__name__
        consume.__doc__ = handler.__doc__
        subscribe(runtime.broker, runtime.settings, topic, decoder=raw_bodies)(consume)
        return handler

    return decorate
