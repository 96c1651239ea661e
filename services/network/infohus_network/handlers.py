"""Network's only Kafka handler: its own aggregate topic, validated against a strict schema.

Anything that does not match is quarantined: counted and dead-lettered without its body, never
stored, logged or shown. A valid report from a municipality outside this network's police district
is not this network's to keep: it is counted and acknowledged, and nothing of it is stored.
"""

import structlog
from faststream.kafka import KafkaMessage
from pydantic import ValidationError

from infohus_contracts.aggregates import AggregateReport
from infohus_contracts.topics import NETWORK_AGGREGATES
from infohus_platform.kafka import subscribe
from infohus_platform.messaging import consume_once
from infohus_platform.runtime import Runtime

from .domain import in_district
from .metrics import NetworkMetrics
from .settings import NetworkSettings
from .storage import AggregateRepository

log = structlog.get_logger(__name__)


def register_handlers(runtime: Runtime, metrics: NetworkMetrics) -> None:
    settings = runtime.settings
    assert isinstance(settings, NetworkSettings)

    @subscribe(runtime.broker, settings, NETWORK_AGGREGATES)
    async def on_aggregate(message: KafkaMessage) -> None:
        try:
            report = AggregateReport.model_validate_json(message.body)
        except ValidationError:
            runtime.metrics.quarantined.labels(NETWORK_AGGREGATES.name).inc()
            raise
        if not in_district(report.municipality_code, settings.infohus_district):
            metrics.ignored_aggregates.labels("outside_district").inc()
            log.warning("aggregate from a municipality outside the district ignored",
                        municipality_code=report.municipality_code, district=settings.infohus_district)
            return
        async with runtime.db.session() as session:
            if not await consume_once(session, message.headers["ce_id"], NETWORK_AGGREGATES.name):
                return
            await AggregateRepository(session).upsert(report)
            await session.commit()
