"""Erasure at the end of retention: what each service deletes, and the proof it keeps.

The registry decides when (OPA's ``infohus/retention/schedule``) and publishes a tombstone on
``infohus.erasure.v1``; every service holding that person's data deletes it and keeps a proof of
deletion without personal data. Kafka cannot bring the data back: topics keep events for 30 days,
shorter than the shortest retention period (3 months), each service remembers the ids of events it
already processed, and a service refuses to recreate anything for an erased concern.
"""

import hashlib
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from typing import Any, ClassVar

import structlog
from sqlalchemy import Delete, update
from sqlmodel import Field, SQLModel, col
from sqlmodel.ext.asyncio.session import AsyncSession

from infohus_contracts.base.topics import Topic
from infohus_platform.messaging.consumer import Delivery, consumer
from infohus_platform.messaging.outbox import OutboxMessage
from infohus_platform.runtime import Runtime

from . import processing_log

log = structlog.get_logger(__name__)


class ErasureProof(SQLModel, table=True):
    """That a concern's personal data was deleted here, when and under which rule. No personal data."""

    __tablename__ = "erasure_proof"
    __data_classes__: ClassVar[dict[str, str]] = {
        "concern_ref": "process", "service": "process", "rule": "process", "erased_at": "process",
        "rows_deleted": "process",
    }

    concern_ref: str = Field(primary_key=True, max_length=64)
    service: str = Field(max_length=40)
    rule: str = Field(max_length=20)
    erased_at: datetime
    rows_deleted: int


ERASURE_TABLES = (ErasureProof,)


def concern_ref(concern_id: str) -> str:
    return hashlib.sha256(f"erased:{concern_id}".encode()).hexdigest()


async def is_erased(session: AsyncSession, concern_id: str) -> bool:
    return await session.get(ErasureProof, concern_ref(concern_id)) is not None


async def erase(session: AsyncSession, service: str, concern_id: str, rule: str, deletes: list[Delete]) -> int:
    """Run the service's delete statements for the concern, empty its outbox bodies and record the
    proof, all in the caller's transaction. Returns the number of rows deleted."""
    if await is_erased(session, concern_id):
        return 0
    deleted = 0
    for statement in deletes:
        result = await session.exec(statement)
        deleted += result.rowcount or 0
    # What already left is on Kafka (and expires there); the copy kept here goes now.
    await session.exec(update(OutboxMessage).where(col(OutboxMessage.key) == concern_id)
                       .values(body="{}", headers={}))
    session.add(ErasureProof(concern_ref=concern_ref(concern_id), service=service, rule=rule,
                             erased_at=datetime.now(UTC), rows_deleted=deleted))
    return deleted


def register_erasure(runtime: Runtime, topic: Topic, deletes: Callable[[str], list[Delete]],
                     also: Callable[[AsyncSession, str], Awaitable[Any]] | None = None) -> None:
    """Every service holding personal data subscribes to the tombstones (``topic``) the same way; ``also`` is what
    else the service does in the same transaction (assessment tells the district's index to forget the concern)."""
    service = runtime.settings.service_name

    @consumer(runtime, topic)
    async def on_person_erased(event: Any, delivery: Delivery) -> None:
        concern_id = str(event.concern_id)
        if also is not None:
            await also(delivery.session, concern_id)
        rows = await erase(delivery.session, service, concern_id, event.rule, deletes(concern_id))
        await processing_log.record(delivery.session, actor=f"service:{service}", action=f"erasure:{event.rule}",
                                    subjects=[concern_id], data_classes=["process"], purpose="prevention")
        log.info("personal data erased at the end of retention", rule=event.rule, rows=rows)
