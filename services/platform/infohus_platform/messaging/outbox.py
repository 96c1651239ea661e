"""Transactional outbox and idempotent inbox: the tables and the one way to stage an event.

A service writes its change and the events it causes in one database transaction; the relay
(``relay.py``) asks OPA about each event and only then publishes it. Consumers record each event id
in the same transaction as the change it causes (``consumer.py``), so a redelivered event changes
nothing.
"""

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, ClassVar
from uuid import uuid4

from pydantic import BaseModel
from sqlalchemy import Column, Text
from sqlmodel import JSON, Field, SQLModel
from sqlmodel.ext.asyncio.session import AsyncSession

from infohus_contracts.base.classes import classes_present
from infohus_contracts.base.cloudevents import CloudEventAttributes
from infohus_contracts.base.topics import Topic
from infohus_platform import correlation
from infohus_platform.settings import ServiceSettings


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
    body: BaseModel,
    key: str,
    share: Share,
    subject: str | None = None,
) -> OutboxMessage:
    """Add an event to the outbox inside the caller's transaction; its type is the topic catalogue's."""
    attributes = CloudEventAttributes(
        id=str(uuid4()), source=settings.source, type=topic.event_type(body), time=utcnow(), subject=subject
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


