"""Notify's request and response models: what the API accepts and answers (never an address or content)."""

from datetime import date, datetime
from typing import Literal

from pydantic import BaseModel, Field

from infohus_contracts.base.text import PlainText

from .config import Partner
from .service.notices import NoticeState
from .storage import Delivery, DeliveryLogEntry, InboxItem

DeliveryStatus = Literal["queued", "sending", "retrying", "sent", "failed", "dead_lettered", "denied", "unaddressed",
                         "cancelled"]


class NotificationPublic(BaseModel):
    """A notice ("meddelelse") owed to someone, its art. 14 decision and how its deliveries stand."""

    notification_id: str
    concern_id: str | None
    municipality_code: str | None
    kind: str
    recipient: str
    channel: str
    status: str
    status_reason: str | None
    created_at: datetime
    review_on: date | None = None
    exemption_basis: str | None = None
    decided_by: str | None = None
    deliveries: dict[str, int] = Field(default_factory=dict, description="delivery status -> count")

    @classmethod
    def of(cls, state: NoticeState) -> "NotificationPublic":
        return cls(**state.notification.model_dump(exclude={"request", "sealed_addressing"}),
                   deliveries=state.deliveries)


class DeliveryPublic(BaseModel):
    """A delivery without its content or address: what was sent where, when, and on whose decision."""

    delivery_id: str
    purpose: str
    notification_id: str | None
    partner_id: str | None
    event_id: str | None
    event_type: str | None
    template: str
    recipient: str
    channel: str
    status: str
    status_reason: str | None
    attempts: int
    max_attempts: int
    deadline: datetime | None
    created_at: datetime
    sent_at: datetime | None
    last_error: str | None
    decision_id: str | None
    policy_version: str | None
    legal_basis: list[str]
    deny_reasons: list[str]
    shared_fields: list[str]
    withheld_fields: list[str]

    @classmethod
    def of(cls, d: Delivery) -> "DeliveryPublic":
        return cls(**d.model_dump(exclude={"recipient"}), recipient=d.recipient_label)


class DeliveryLogEntryPublic(BaseModel):
    """One state a delivery went through."""

    at: datetime
    status: str
    attempt: int
    detail: str | None

    @classmethod
    def of(cls, entry: DeliveryLogEntry) -> "DeliveryLogEntryPublic":
        return cls(at=entry.at, status=entry.status, attempt=entry.attempt, detail=entry.detail)


class NoticeHoldCreate(PlainText):
    reason: str = Field(min_length=10, max_length=500, description="why the notice is held or exempt")
    basis: str | None = Field(None, max_length=200,
                              description="e.g. 'databeskyttelsesloven § 22 stk. 2 nr. 4' or 'GDPR art. 14(5)(b)'")
    review_on: date | None = Field(None, description="when the hold is reviewed; staff are reminded then")


class NoticeReleaseCreate(PlainText):
    reason: str = Field(min_length=10, max_length=500)


class InboxItemPublic(BaseModel):
    """An in-app notification: a subject, a short text and a link; never case details."""

    item_id: str
    kind: str
    subject: str
    body: str
    link: str | None
    created_at: datetime
    read_at: datetime | None
    for_role: str | None

    @classmethod
    def of(cls, item: InboxItem) -> "InboxItemPublic":
        return cls(**item.model_dump(exclude={"user_id", "role"}), for_role=item.role)


class PartnerPublic(BaseModel):
    """A partner subscription as the API shows it: never its secret."""

    id: str
    event_types: list[str]
    webhook: bool = Field(description="whether the partner has a webhook")
    kafka_topic: str | None = Field(description="the partner's own topic, when it has one")

    @classmethod
    def of(cls, partner: Partner) -> "PartnerPublic":
        return cls.model_validate(partner.public())
