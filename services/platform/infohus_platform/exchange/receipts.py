"""The receiver's record of every message it accepted from another organisation, with both decisions."""

from datetime import UTC, datetime
from typing import ClassVar

from sqlalchemy import Column
from sqlmodel import JSON, Field, SQLModel


def utcnow() -> datetime:
    return datetime.now(UTC)


class ExchangeReceipt(SQLModel, table=True):
    """Accepted from another organisation: who sent which type, under whose decisions (no body, no person)."""

    __tablename__ = "exchange_receipt"
    __data_classes__: ClassVar[dict[str, str]] = {
        "event_id": "process",
        "sender_org": "process",
        "message_type": "process",
        "sender_decision_id": "process",
        "sender_policy_version": "process",
        "decision_id": "process",
        "policy_version": "process",
        "legal_basis": "process",
        "received_at": "process",
    }

    event_id: str = Field(primary_key=True, max_length=64)
    sender_org: str = Field(max_length=100, index=True)
    message_type: str = Field(max_length=100)
    sender_decision_id: str = Field(max_length=64)
    sender_policy_version: str | None = Field(default=None, max_length=64)
    decision_id: str | None = Field(default=None, max_length=64)
    policy_version: str | None = Field(default=None, max_length=64)
    legal_basis: list = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    received_at: datetime = Field(default_factory=utcnow)


EXCHANGE_TABLES = (ExchangeReceipt,)
