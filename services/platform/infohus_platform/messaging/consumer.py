"""The one way a service consumes an event: a handler that is only its rule.

``@consumer(runtime, TOPIC)`` subscribes the handler at-least-once (``messaging.kafka.subscribe``),
opens a database session, skips an event id already processed (the inbox), runs the handler, commits
the change together with the event id, and wakes the outbox relay (or what ``wake`` names) so the
events the handler staged leave at once::

    @consumer(runtime, CONCERN_RECEIVED)
    async def on_concern_received(concern: ConcernReceived, delivery: Delivery) -> None:
        await cases.open_case(runtime, delivery.session, concern)
"""

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from faststream.kafka import KafkaMessage
from sqlmodel.ext.asyncio.session import AsyncSession

from infohus_contracts.base.topics import Topic
from infohus_platform.runtime import Runtime

from .kafka import subscribe
from .outbox import ProcessedEvent

Handler = Callable[[Any, "Delivery"], Awaitable[None]]


@dataclass(frozen=True)
class Delivery:
    """One consumed event as a handler sees it: its session (committed after the handler), its id and type."""

    session: AsyncSession
    event_id: str
    event_type: str
    headers: dict[str, str]


async def consume_once(session: AsyncSession, event_id: str, topic: str) -> bool:
    """True the first time this event id is seen; records it in the caller's transaction."""
    if await session.get(ProcessedEvent, event_id) is not None:
        return False
    session.add(ProcessedEvent(event_id=event_id, topic=topic))
    return True


def text_headers(message: KafkaMessage) -> dict[str, str]:
    return {k: v.decode() if isinstance(v, bytes) else v for k, v in (message.headers or {}).items()
            if isinstance(v, str | bytes)}


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
        # The annotation is the topic's contract: FastStream validates every body against it (a
        # failure is dead-lettered by the broker's middleware).
        async def consume(event: topic.schema, message: KafkaMessage) -> None:  # type: ignore[name-defined]
            headers = text_headers(message)
            if accepts is not None and not accepts(headers):
                return
            async with runtime.db.session() as session:
                if not await consume_once(session, headers["ce_id"], topic.name):
                    return
                await handler(event, Delivery(session, headers["ce_id"], headers.get("ce_type", ""), headers))
                await session.commit()
            (wake or runtime.relay.wake)()

        consume.__name__ = consume.__qualname__ = handler.__name__
        consume.__doc__ = handler.__doc__
        subscribe(runtime.broker, runtime.settings, topic)(consume)
        return handler

    return decorate
