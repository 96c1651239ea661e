"""Network's only Kafka handler: its own aggregate topic, validated against a strict schema.

Anything that does not match is quarantined by the broker's dead-letter middleware: counted and
dead-lettered without its body, never stored, logged or shown. A valid report from a municipality outside this network's police district
is not this network's to keep: it is counted and acknowledged, and nothing of it is stored.
"""

import structlog

from infohus_contracts.base.aggregates import AggregateReport
from infohus_contracts.base.topics import NETWORK_AGGREGATES
from infohus_platform.messaging.consumer import Delivery, consumer
from infohus_platform.runtime import Runtime

from .domain import in_district
from .metrics import network_metrics
from .settings import NetworkSettings
from .storage import AggregateRepository

log = structlog.get_logger(__name__)


def register_handlers(runtime: Runtime) -> None:
    settings = runtime.settings
    metrics = network_metrics(runtime)
    assert isinstance(settings, NetworkSettings)

    @consumer(runtime, NETWORK_AGGREGATES)
    async def on_aggregate(report: AggregateReport, delivery: Delivery) -> None:
        if not in_district(report.municipality_code, settings.infohus_district):
            metrics.ignored_aggregates.labels("outside_district").inc()
            log.warning("aggregate from a municipality outside the district ignored",
                        municipality_code=report.municipality_code, district=settings.infohus_district)
            return
        await AggregateRepository(delivery.session).upsert(report)
