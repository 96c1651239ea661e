"""The batch consumer over plain fakes: records as Kafka hands them over, a fake dead-letter sink, a per-test SQLite
database that counts its sessions.

What a batch may rely on: its valid records are handled in one transaction and wake the relay once; a malformed
record is dead-lettered with its reason and the rest carry on; a record whose handler fails is isolated (the others
are committed without it), retried with backoff and dead-lettered after ``consumer_max_attempts``; a record whose
dependency is away is retried and never dead-lettered; an event id seen before is skipped.
"""

import json
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from uuid import uuid4

import pytest
from aiokafka import ConsumerRecord

from fakes import ConsumerSettings, CountingDatabase, FakePolicy, rows, service_runtime
from infohus_contracts.base.cloudevents import CloudEventAttributes
from infohus_contracts.case.events import PersonErased
from infohus_contracts.case.topics import ERASURE
from infohus_platform.errors import DatabaseUnavailable, MalformedEvent
from infohus_platform.messaging.consumer import BatchConsumer, Delivery
from infohus_platform.messaging.outbox import OutboxMessage, ProcessedEvent, Share, stage_event
from infohus_platform.runtime import Runtime


class DeadLetterSink:
    """Records what would go to ``<topic>.dlq``: (offset, reason code, reason)."""

    def __init__(self) -> None:
        self.sent: list[tuple[int, str, str]] = []

    async def send(self, record: ConsumerRecord, reason: str, reason_code: str) -> None:
        self.sent.append((record.offset, reason_code, reason))


@pytest.fixture
async def runtime(tmp_path: Path) -> AsyncIterator[Runtime]:
    settings = ConsumerSettings(infohus_data_dir=tmp_path, consumer_max_attempts=3)
    async for value in service_runtime(settings, (), policy=FakePolicy(only=()), database=CountingDatabase):
        value.dead_letters = DeadLetterSink()  # type: ignore[assignment]
        yield value


def record(offset: int, event_id: str | None, body: Any = None) -> ConsumerRecord:
    """A record of the erasure topic; ``event_id`` None: no CloudEvents headers at all."""
    headers: list[tuple[str, bytes]] = []
    if event_id is not None:
        attributes = CloudEventAttributes(id=event_id, source="/infohus/kommune-820/registry",
                                          type=ERASURE.event_types[0], time=datetime.now(UTC))
        headers = [(k, v.encode()) for k, v in attributes.to_headers().items()]
    if body is None:
        body = PersonErased(concern_id=uuid4(), rule="R1", erased_at=datetime.now(UTC)).model_dump(mode="json")
    value = body if isinstance(body, bytes) else json.dumps(body).encode()
    return ConsumerRecord(topic=ERASURE.name, partition=0, offset=offset, timestamp=0, timestamp_type=0, key=None,
                          value=value, checksum=None, serialized_key_size=0, serialized_value_size=len(value),
                          headers=headers)


def staging(runtime: Runtime, handled: list[str], fails: dict[str, Exception] | None = None):
    """A handler that stages an event (a change in the transaction) and fails for the event ids in ``fails``."""

    async def handler(event: PersonErased, delivery: Delivery) -> None:
        stage_event(delivery.session, runtime.settings, topic=ERASURE, body=event, key=delivery.event_id,
                    share=Share("service", "erasure", ("process",)))
        await delivery.session.flush()
        if delivery.event_id in (fails or {}):
            raise (fails or {})[delivery.event_id]
        handled.append(delivery.event_id)

    return handler


async def committed(runtime: Runtime) -> list[str]:
    """The event ids whose handler's change was committed."""
    return sorted(m.key for m in await rows(runtime, OutboxMessage))


async def test_a_batch_is_handled_in_one_transaction_and_wakes_the_relay_once(runtime: Runtime) -> None:
    handled: list[str] = []
    batch = BatchConsumer(runtime, ERASURE, staging(runtime, handled), accepts=None, wake=None)

    await batch([record(0, "ev-1"), record(1, "ev-2"), record(2, "ev-3")])

    assert handled == ["ev-1", "ev-2", "ev-3"]
    assert await committed(runtime) == ["ev-1", "ev-2", "ev-3"]
    assert sorted(e.event_id for e in await rows(runtime, ProcessedEvent)) == ["ev-1", "ev-2", "ev-3"]
    assert runtime.db.sessions_opened == 1 + 2  # type: ignore[attr-defined]  # the batch; the two reads above
    assert runtime.relay.wakes == 1  # type: ignore[attr-defined]


async def test_an_event_id_seen_before_is_skipped_in_the_batch_and_when_the_batch_comes_again(runtime: Runtime) -> None:
    handled: list[str] = []
    batch = BatchConsumer(runtime, ERASURE, staging(runtime, handled), accepts=None, wake=None)
    records = [record(0, "ev-1"), record(1, "ev-1"), record(2, "ev-2")]

    await batch(records)
    await batch(records)  # redelivered after a crash before the offsets were committed

    assert handled == ["ev-1", "ev-2"]
    assert await committed(runtime) == ["ev-1", "ev-2"]
    assert runtime.relay.wakes == 1  # type: ignore[attr-defined]  # the redelivery changed nothing


async def test_malformed_records_are_dead_lettered_with_the_reason_and_the_rest_is_handled(runtime: Runtime) -> None:
    handled: list[str] = []
    batch = BatchConsumer(runtime, ERASURE, staging(runtime, handled), accepts=None, wake=None)
    bad_cpr = "3299991234"

    await batch([record(0, "ev-1"), record(1, None), record(2, "ev-3", b"{not json"),
                 record(3, "ev-4", {"concern_id": bad_cpr}), record(4, "ev-5")])

    assert handled == ["ev-1", "ev-5"]
    sink: Any = runtime.dead_letters
    assert [(offset, code) for offset, code, _ in sink.sent] == [(1, "headers"), (2, "schema"), (3, "schema")]
    reasons = [reason for *_, reason in sink.sent]
    assert "CloudEvents" in reasons[0] and "json_invalid" in reasons[1] and "concern_id" in reasons[2]
    assert all(bad_cpr not in reason for reason in reasons)  # never the value
    assert sorted(e.event_id for e in await rows(runtime, ProcessedEvent)) == ["ev-1", "ev-5"]


async def test_a_record_its_handler_finds_malformed_is_isolated_and_dead_lettered(runtime: Runtime) -> None:
    handled: list[str] = []
    fails: dict[str, Exception] = {"ev-2": MalformedEvent("a case event for a concern that was never registered")}
    batch = BatchConsumer(runtime, ERASURE, staging(runtime, handled, fails), accepts=None, wake=None)

    await batch([record(0, "ev-1"), record(1, "ev-2"), record(2, "ev-3")])

    # The batch's transaction was rolled back; one at a time, the others are committed and the bad one is not.
    assert await committed(runtime) == ["ev-1", "ev-3"]
    assert sorted(e.event_id for e in await rows(runtime, ProcessedEvent)) == ["ev-1", "ev-3"]
    sink: Any = runtime.dead_letters
    assert [(offset, code) for offset, code, _ in sink.sent] == [(1, "malformed")]
    assert runtime.relay.wakes == 1  # type: ignore[attr-defined]


async def test_a_failing_record_is_retried_with_backoff_then_dead_lettered(runtime: Runtime) -> None:
    handled: list[str] = []
    fails: dict[str, Exception] = {"ev-2": RuntimeError("boom")}
    batch = BatchConsumer(runtime, ERASURE, staging(runtime, handled, fails), accepts=None, wake=None)
    records = [record(0, "ev-1"), record(1, "ev-2"), record(2, "ev-3")]

    for _ in range(2):  # consumer_max_attempts is 3: two nacks, Kafka delivers the batch again
        with pytest.raises(RuntimeError):
            await batch(records)
    sink: Any = runtime.dead_letters
    assert sink.sent == []
    assert await committed(runtime) == ["ev-1"]  # what came before the failing record is kept
    await batch(records)  # the third attempt: dead-lettered, and the batch carries on

    assert [(offset, code) for offset, code, _ in sink.sent] == [(1, "handler_failed")]
    assert "3 times: RuntimeError" in sink.sent[0][2]
    assert await committed(runtime) == ["ev-1", "ev-3"]  # each once: the redeliveries skipped ev-1
    assert runtime.metrics.redeliveries.labels(ERASURE.name)._value.get() == 2  # type: ignore[attr-defined]


async def test_a_redelivered_batch_passes_over_what_was_dead_lettered_before_its_nack(runtime: Runtime) -> None:
    handled: list[str] = []
    fails: dict[str, Exception] = {"ev-1": MalformedEvent("never registered"), "ev-2": RuntimeError("once")}
    calls: list[str] = []
    stage = staging(runtime, handled, fails)

    async def counting(event: PersonErased, delivery: Delivery) -> None:
        calls.append(delivery.event_id)
        await stage(event, delivery)

    batch = BatchConsumer(runtime, ERASURE, counting, accepts=None, wake=None)
    records = [record(0, "ev-1"), record(1, "ev-2")]
    with pytest.raises(RuntimeError):
        await batch(records)  # ev-1 dead-lettered, ev-2 to be retried: the batch is nacked
    fails.pop("ev-2")
    calls.clear()
    await batch(records)  # Kafka delivers both again

    sink: Any = runtime.dead_letters
    assert [(offset, code) for offset, code, _ in sink.sent] == [(0, "malformed")]  # once
    assert calls == ["ev-2"]  # ev-1 was not handled again
    assert await committed(runtime) == ["ev-2"]


async def test_a_record_whose_database_is_away_waits_and_is_never_dead_lettered(runtime: Runtime) -> None:
    handled: list[str] = []
    fails: dict[str, Exception] = {"ev-1": DatabaseUnavailable("OSError")}
    batch = BatchConsumer(runtime, ERASURE, staging(runtime, handled, fails), accepts=None, wake=None)

    for _ in range(runtime.settings.consumer_max_attempts + 1):
        with pytest.raises(DatabaseUnavailable):
            await batch([record(0, "ev-1")])

    sink: Any = runtime.dead_letters
    assert sink.sent == [] and handled == []
    fails.clear()  # the database is back
    await batch([record(0, "ev-1")])
    assert handled == ["ev-1"]
