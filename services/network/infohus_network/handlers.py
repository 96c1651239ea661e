"""Network's Kafka handlers: its own aggregate topic, and in a district the aggregates the other organisations
send over the exchange; each validated against a strict schema.

Anything that does not match is quarantined by the broker's dead-letter middleware (or refused by the
exchange): counted and dead-lettered without its body, never stored, logged or shown. A valid report from a
municipality outside this network's police district is not this network's to keep: it is counted and
acknowledged, and nothing of it is stored (``service.statistics.receive_aggregate``). Over the exchange, a
report for a municipality its sender does not serve is refused (``receive_shared_aggregate``).
"""

from infohus_contracts.base.aggregates import AggregateReport
from infohus_contracts.base.exchange import AGGREGATE_REPORT_SHARED
from infohus_contracts.base.topics import NETWORK_AGGREGATES
from infohus_platform.exchange.inbound import receive
from infohus_platform.exchange.link import ExchangeDelivery
from infohus_platform.messaging.consumer import Delivery, consumer
from infohus_platform.runtime import Runtime

from .service import statistics


def register_handlers(runtime: Runtime) -> None:
    @consumer(runtime, NETWORK_AGGREGATES)
    async def on_aggregate(report: AggregateReport, delivery: Delivery) -> None:
        await statistics.receive_aggregate(runtime, delivery.session, report)

    @receive(runtime, AGGREGATE_REPORT_SHARED)
    async def on_shared_aggregate(report: AggregateReport, delivery: ExchangeDelivery) -> None:
        await statistics.receive_shared_aggregate(runtime, delivery.session, report, delivery.sender_org)
