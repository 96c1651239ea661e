"""The ``@consumer`` decorator over FastStream's in-memory broker and a per-test SQLite database.

What a handler may rely on: it runs once per event id (a redelivered event changes nothing), what it
does in ``delivery.session`` is committed with the event id, the relay is woken afterwards, and an
event ``accepts`` passes over costs no database work at all.
"""

from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from uuid import uuid4

import pytest
from faststream.kafka import TestKafkaBroker

from fakes import ConsumerSettings, CountingDatabase, FakePolicy, rows, service_runtime
from infohus_contracts.base.cloudevents import CloudEventAttributes
from infohus_contracts.case.events import PersonErased
from infohus_contracts.case.topics import ERASURE
from infohus_platform.messaging.consumer import Delivery, consumer
from infohus_platform.messaging.outbox import OutboxMessage, ProcessedEvent, Share, stage_event
from infohus_platform.runtime import Runtime


@pytest.fixture
async def runtime(tmp_path: Path) -> AsyncIterator[Runtime]:
    # The platform's tables only. No OPA and no relay loop: the decorator asks no policy, it only wakes the relay.
    async for value in service_runtime(ConsumerSettings(infohus_data_dir=tmp_path), (), policy=FakePolicy(only=()),
                                       database=CountingDatabase):
        yield value


def erased() -> PersonErased:
    return PersonErased(concern_id=uuid4(), rule="R1", erased_at=datetime.now(UTC))


def headers_for(event_id: str, **extra: str) -> dict[str, str]:
    attributes = CloudEventAttributes(id=event_id, source="/infohus/kommune-820/registry",
                                      type=ERASURE.event_types[0], time=datetime.now(UTC))
    return attributes.to_headers() | extra


async def test_a_redelivered_event_is_handled_once_and_its_change_is_committed(runtime: Runtime) -> None:
    seen: list[tuple[PersonErased, Delivery]] = []

    @consumer(runtime, ERASURE)
    async def on_erased(event: PersonErased, delivery: Delivery) -> None:
        seen.append((event, delivery))
        stage_event(delivery.session, runtime.settings, topic=ERASURE, body=event, key=str(event.concern_id),
                    share=Share("service", "erasure", ("process",)))

    body = erased()
    async with TestKafkaBroker(runtime.broker) as broker:
        for _ in range(2):  # the same event twice: at-least-once delivery
            await broker.publish(body.model_dump(mode="json"), ERASURE.name, headers=headers_for("ev-1"))

    assert [event for event, _ in seen] == [body]
    delivery = seen[0][1]
    assert (delivery.event_id, delivery.event_type) == ("ev-1", "dk.infohus.person.erased.v1")
    assert delivery.headers["ce_source"] == "/infohus/kommune-820/registry"
    # The handler's change was committed, together with the event id in the inbox.
    staged = await rows(runtime, OutboxMessage)
    assert [m.key for m in staged] == [str(body.concern_id)]
    assert [(e.event_id, e.topic) for e in await rows(runtime, ProcessedEvent)] == [("ev-1", ERASURE.name)]
    assert runtime.relay.wakes == 1  # once, after the commit; the redelivery woke nothing


async def test_each_new_event_id_is_handled(runtime: Runtime) -> None:
    handled: list[str] = []

    @consumer(runtime, ERASURE)
    async def on_erased(event: PersonErased, delivery: Delivery) -> None:
        handled.append(delivery.event_id)

    async with TestKafkaBroker(runtime.broker) as broker:
        for event_id in ("ev-1", "ev-2", "ev-1", "ev-3"):
            await broker.publish(erased().model_dump(mode="json"), ERASURE.name, headers=headers_for(event_id))

    assert handled == ["ev-1", "ev-2", "ev-3"]
    assert sorted(e.event_id for e in await rows(runtime, ProcessedEvent)) == ["ev-1", "ev-2", "ev-3"]
    assert runtime.relay.wakes == 3


async def test_wake_names_what_is_woken_instead_of_the_relay(runtime: Runtime) -> None:
    woken: list[str] = []

    @consumer(runtime, ERASURE, wake=lambda: woken.append("dispatcher"))
    async def on_erased(event: PersonErased, delivery: Delivery) -> None:
        pass

    async with TestKafkaBroker(runtime.broker) as broker:
        await broker.publish(erased().model_dump(mode="json"), ERASURE.name, headers=headers_for("ev-1"))

    assert woken == ["dispatcher"]
    assert runtime.relay.wakes == 0


async def test_an_event_accepts_passes_over_costs_no_database_work(runtime: Runtime) -> None:
    handled: list[str] = []

    @consumer(runtime, ERASURE, accepts=lambda headers: headers.get("x-for") == "notify")
    async def on_erased(event: PersonErased, delivery: Delivery) -> None:
        handled.append(delivery.event_id)

    db: Any = runtime.db
    async with TestKafkaBroker(runtime.broker) as broker:
        await broker.publish(erased().model_dump(mode="json"), ERASURE.name,
                             headers=headers_for("ev-other", **{"x-for": "intake"}))
        assert db.sessions_opened == 0  # skipped before a session was opened
        await broker.publish(erased().model_dump(mode="json"), ERASURE.name,
                             headers=headers_for("ev-mine", **{"x-for": "notify"}))

    assert handled == ["ev-mine"]
    assert db.sessions_opened == 1
    # The event passed over is not recorded as processed: nothing of it was done.
    assert [e.event_id for e in await rows(runtime, ProcessedEvent)] == ["ev-mine"]
    assert runtime.relay.wakes == 1


async def test_a_handler_that_is_not_a_declared_consumer_is_refused(runtime: Runtime) -> None:
    from infohus_contracts.case.topics import CONCERN_RECEIVED  # consumed by assessment only

    with pytest.raises(ValueError, match="not a declared consumer"):

        @consumer(runtime, CONCERN_RECEIVED)
        async def on_concern(event: Any, delivery: Delivery) -> None:
            pass
