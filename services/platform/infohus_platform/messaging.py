"""Transactional outbox and idempotent inbox.

A service writes its change and the events it causes in one database transaction; the relay
asks OPA about each event and only then publishes it. Consumers record each event id in the
same transaction as the change it causes, so a redelivered event changes nothing.
"""

import asyncio
import logging
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, ClassVar
from uuid import uuid4

from faststream.kafka.publisher.usecase import DefaultPublisher
from pydantic import BaseModel
from sqlalchemy import Column, Text
from sqlmodel import JSON, Field, SQLModel, col, func, select
from sqlmodel.ext.asyncio.session import AsyncSession

from infohus_contracts.classes import classes_present
from infohus_contracts.cloudevents import CloudEventAttributes
from infohus_contracts.topics import Topic

from . import correlation, processing_log
from .db import Database
from .observability import Metrics
from .policy import PolicyClient, PolicyUnavailable
from .settings import ServiceSettings

log = logging.getLogger(__name__)


def utcnow() -> datetime:
    return datetime.now(UTC)


class OutboxMessage(SQLModel, table=True):
    """An event waiting to leave the service, and afterwards the record of the share."""

    __tablename__ = "outbox_message"
    __data_classes__: ClassVar[dict[str, str]] = {
        "id": "process",
        "event_id": "process",
        "topic": "process",
        "key": "process",
        "headers": "process",
        "body": "identity",
        "share": "process",
        "status": "process",
        "created_at": "process",
        "published_at": "process",
        "decision_id": "process",
        "policy_version": "process",
        "legal_basis": "process",
        "deny_reasons": "process",
    }

    id: int | None = Field(default=None, primary_key=True)
    event_id: str = Field(unique=True, max_length=64)
    topic: str = Field(max_length=200)
    key: str = Field(max_length=200)
    headers: dict = Field(sa_column=Column(JSON, nullable=False))
    body: str = Field(sa_column=Column(Text, nullable=False))
    share: dict = Field(sa_column=Column(JSON, nullable=False))
    status: str = Field(default="pending", index=True, max_length=16)  # pending|published|denied
    created_at: datetime = Field(default_factory=utcnow)
    published_at: datetime | None = None
    decision_id: str | None = Field(default=None, max_length=64)
    policy_version: str | None = Field(default=None, max_length=64)
    legal_basis: list = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    deny_reasons: list = Field(default_factory=list, sa_column=Column(JSON, nullable=False))


class ProcessedEvent(SQLModel, table=True):
    """Inbox: event ids this service has already processed."""

    __tablename__ = "processed_event"
    __data_classes__: ClassVar[dict[str, str]] = {
        "event_id": "process",
        "topic": "process",
        "processed_at": "process",
    }

    event_id: str = Field(primary_key=True, max_length=64)
    topic: str = Field(max_length=200)
    processed_at: datetime = Field(default_factory=utcnow)


MESSAGING_TABLES = (OutboxMessage, ProcessedEvent)


@dataclass(frozen=True)
class Share:
    """What the relay asks OPA before an event leaves: who gets which classes of data, and why."""

    recipient_kind: str
    purpose: str
    data_classes: tuple[str, ...]
    case_stage: str | None = None
    necessity_reason: str | None = None
    subject: dict[str, Any] | None = None
    flags: dict[str, bool] | None = None
    aggregate: dict[str, Any] | None = None

    @classmethod
    def of(cls, body: BaseModel, recipient_kind: str, purpose: str, **kwargs: Any) -> "Share":
        """A share of exactly the data classes that ``body`` holds."""
        classes = tuple(sorted(c.value for c in classes_present(body)))
        return cls(recipient_kind=recipient_kind, purpose=purpose, data_classes=classes, **kwargs)


def stage_event(
    session: AsyncSession,
    settings: ServiceSettings,
    *,
    topic: Topic,
    event_type: str,
    body: BaseModel,
    key: str,
    share: Share,
    subject: str | None = None,
) -> OutboxMessage:
    """Add an event to the outbox inside the caller's transaction."""
    attributes = CloudEventAttributes(
        id=str(uuid4()), source=settings.source, type=event_type, time=utcnow(), subject=subject
    )
    headers = attributes.to_headers() | {correlation.HEADER: correlation.current()}
    message = OutboxMessage(
        event_id=attributes.id,
        topic=topic.name,
        key=key,
        headers=headers,
        body=body.model_dump_json(),
        share={k: v for k, v in share.__dict__.items() if v is not None} | {"data_classes": list(share.data_classes)},
    )
    session.add(message)
    return message


async def consume_once(session: AsyncSession, event_id: str, topic: str) -> bool:
    """True the first time this event id is seen; records it in the caller's transaction."""
    if await session.get(ProcessedEvent, event_id) is not None:
        return False
    session.add(ProcessedEvent(event_id=event_id, topic=topic))
    return True


class WakeableLoop:
    """A background loop that works until there is nothing to do, then sleeps until woken (new work was
    committed) or its poll interval passes. The outbox relay and notify's dispatcher are both this."""

    def __init__(self) -> None:
        self._wake = asyncio.Event()
        self._stopping = False

    def wake(self) -> None:
        self._wake.set()

    def stop(self) -> None:
        self._stopping = True
        self._wake.set()

    async def idle(self, seconds: float) -> None:
        self._wake.clear()
        try:
            await asyncio.wait_for(self._wake.wait(), timeout=seconds)
        except TimeoutError:
            pass


class OutboxRelay(WakeableLoop):
    """Publishes staged events in order, each only after OPA allowed the share."""

    def __init__(
        self,
        settings: ServiceSettings,
        db: Database,
        publishers: dict[str, DefaultPublisher],
        policy: PolicyClient,
        metrics: Metrics,
        broker_ready: asyncio.Event,
    ) -> None:
        self.settings = settings
        self.db = db
        self.publishers = publishers
        self.policy = policy
        self.metrics = metrics
        self.broker_ready = broker_ready
        super().__init__()

    async def run(self) -> None:
        backoff = self.settings.outbox_poll_seconds
        while not self._stopping:
            try:
                await self.broker_ready.wait()
                published = await self.relay_batch()
                backoff = self.settings.outbox_poll_seconds
                if published:
                    continue
            except PolicyUnavailable:
                self.metrics.policy_unavailable.inc()
                backoff = min(backoff * 2, 10.0)
            except Exception as exc:  # broker or database trouble: keep the events, try again
                log.warning("outbox relay failed, retrying", extra={"error": type(exc).__name__})
                backoff = min(backoff * 2, 10.0)
            await self.idle(backoff)

    async def relay_batch(self, limit: int = 200) -> int:
        """Ask OPA about and publish the oldest pending events; returns how many were handled."""
        async with self.db.session() as session:
            query = (
                select(OutboxMessage)
                .where(OutboxMessage.status == "pending")
                .order_by(col(OutboxMessage.id))
                .limit(limit)
            )
            if self.db.is_postgres:
                query = query.with_for_update(skip_locked=True)
            rows = (await session.exec(query)).all()
            if not rows:
                await session.commit()
                return 0
            handled = 0
            decided: list[tuple[OutboxMessage, bool]] = []
            try:
                pending = []
                for row in rows:
                    decision = await self.policy.share_decision(self._share_input(row))
                    row.decision_id = decision.decision_id
                    row.policy_version = decision.policy_version
                    row.legal_basis = decision.legal_basis
                    decided.append((row, decision.allow))
                    if not decision.allow:
                        row.status = "denied"
                        row.deny_reasons = decision.reasons
                        self.metrics.shares.labels(row.topic, "denied").inc()
                        log.warning("share denied by policy", extra={"event_id": row.event_id, "topic": row.topic})
                        handled += 1
                        continue
                    future = await self.publishers[row.topic].publish(
                        row.body.encode(),
                        key=row.key.encode(),
                        headers=row.headers,
                        no_confirm=True,
                    )
                    pending.append((row, future))
                for row, future in pending:
                    await future
                    row.status = "published"
                    row.published_at = utcnow()
                    self.metrics.shares.labels(row.topic, "published").inc()
                    handled += 1
            finally:
                # Whatever was decided or published is recorded even if a later event failed. The log
                # entries are written last: their chain head is a lock other writers wait for.
                for row, allowed in decided:
                    await processing_log.record(
                        session, actor=f"service:{self.settings.service_name}", action=f"share:{row.topic}",
                        subject_ref=row.headers.get("ce_subject"), data_classes=row.share.get("data_classes", []),
                        purpose=row.share.get("purpose", ""), decision_id=row.decision_id,
                        outcome="allowed" if allowed else "denied", is_postgres=self.db.is_postgres,
                    )
                await session.commit()
            return handled

    def _share_input(self, row: OutboxMessage) -> dict[str, Any]:
        share = dict(row.share)
        return {
            "stated_basis": self.settings.stated_basis(share.get("data_classes", [])),
            "action": "publish",
            "sender": {
                "service": self.settings.service_name,
                "org": self.settings.infohus_org,
                "regime": self.settings.infohus_regime,
            },
            "recipient": {"kind": share.pop("recipient_kind"), "org": self.settings.infohus_org},
            "acting_role": "system",
            **share,
        }

    async def pending_count(self) -> int:
        async with self.db.session() as session:
            result = await session.exec(
                select(func.count()).select_from(OutboxMessage).where(OutboxMessage.status == "pending")
            )
            return int(result.one())
