"""Network's only Kafka handler: its own aggregate topic, validated against a strict schema.

Anything that does not match is quarantined by the broker's dead-letter middleware: counted and
dead-lettered without its body, never stored, logged or shown. A valid report from a municipality
outside this network's police district is not this network's to keep: it is counted and
acknowledged, and nothing of it is stored (``service.statistics.receive_aggregate``).
"""

from infohus_contracts.base.aggregates import AggregateReport
from infohus_contracts.base.topics import NETWORK_AGGREGATES
from infohus_platform.messaging.consumer import Delivery, consumer
from infohus_platform.runtime import Runtime

from .service import statistics


def register_handlers(runtime: Runtime) -> None:
    @consumer(runtime, NETWORK_AGGREGATES)
    async def on_aggregate(report: AggregateReport, delivery: Delivery) -> None:
        await statistics.receive_aggregate(runtime, delivery.session, report)
