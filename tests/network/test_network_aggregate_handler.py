"""The aggregate handler over FastStream's in-memory broker: a report of the district is kept (once per
event id), one from outside the district is acknowledged, counted and not stored."""

from datetime import UTC, datetime
from typing import Any
from uuid import uuid4

from faststream.kafka import TestKafkaBroker

from fakes import rows
from infohus_contracts.base.aggregates import AggregateReport
from infohus_contracts.base.cloudevents import CloudEventAttributes
from infohus_contracts.base.topics import NETWORK_AGGREGATES
from infohus_network.handlers import register_handlers
from infohus_network.storage import AggregateCell
from infohus_platform.messaging.outbox import ProcessedEvent
from infohus_platform.runtime import Runtime


def report(municipality_code: str, count: int) -> dict[str, Any]:
    return AggregateReport(report_id=uuid4(), municipality_code=municipality_code, period="2026-11",
                           metric="concerns_received", count=count, suppressed=False, k=5,
                           computed_at=datetime.now(UTC)).model_dump(mode="json")


def headers(event_id: str) -> dict[str, str]:
    return CloudEventAttributes(id=event_id, source="/infohus/kommune-851/registry",
                                type=NETWORK_AGGREGATES.event_types[0], time=datetime.now(UTC)).to_headers()


async def test_an_aggregate_of_the_district_is_stored_once_per_event_id(network: Runtime) -> None:
    register_handlers(network)
    async with TestKafkaBroker(network.broker) as broker:
        for _ in range(2):  # at-least-once: the same event twice
            await broker.publish(report("851", 12), NETWORK_AGGREGATES.name, headers=headers("ev-1"))

    assert [(c.municipality_code, c.count) for c in await rows(network, AggregateCell)] == [("851", 12)]
    assert [e.event_id for e in await rows(network, ProcessedEvent)] == ["ev-1"]
    assert network.relay.wakes == 1  # type: ignore[attr-defined]


async def test_an_aggregate_from_outside_the_district_is_acknowledged_counted_and_not_stored(
    network: Runtime,
) -> None:
    register_handlers(network)
    async with TestKafkaBroker(network.broker) as broker:
        await broker.publish(report("101", 40), NETWORK_AGGREGATES.name, headers=headers("ev-2"))

    assert await rows(network, AggregateCell) == []
    # Acknowledged: the event id is recorded, so a redelivery is not looked at again.
    assert [e.event_id for e in await rows(network, ProcessedEvent)] == ["ev-2"]
    ignored = network.metrics.registry.get_sample_value("infohus_network_aggregates_ignored_total",
                                                        {"reason": "outside_district"})
    assert ignored == 1
