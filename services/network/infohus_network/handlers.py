"""Network's only Kafka handler: its own aggregate topic, validated against a strict schema.

Anything that does not match is quarantined: counted and dead-lettered without its body, never
stored, logged or shown.
"""

from faststream.kafka import KafkaMessage
from pydantic import ValidationError

from infohus_contracts.aggregates import AggregateReport
from infohus_contracts.topics import NETWORK_AGGREGATES
from infohus_platform.kafka import subscribe
from infohus_platform.messaging import consume_once
from infohus_platform.runtime import Runtime

from .storage import AggregateRepository


def register_handlers(runtime: Runtime) -> None:
    @subscribe(runtime.broker, runtime.settings, NETWORK_AGGREGATES)
    async def on_aggregate(message: KafkaMessage) -> None:
        try:
            report = AggregateReport.model_validate_json(message.body)
        except ValidationError:
            runtime.metrics.quarantined.labels(NETWORK_AGGREGATES.name).inc()
            raise
        async with runtime.db.session() as session:
            if not await consume_once(session, message.headers["ce_id"], NETWORK_AGGREGATES.name):
                return
            await AggregateRepository(session).upsert(report)
            await session.commit()
