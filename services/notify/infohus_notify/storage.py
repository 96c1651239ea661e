"""Notify's tables: notifications (what is owed), deliveries and their log, the in-app inbox."""

from datetime import date, datetime
from typing import ClassVar

from sqlalchemy import JSON, Column, ColumnElement, Text, UniqueConstraint, delete, false
from sqlmodel import Field, SQLModel, col, or_, select
from sqlmodel.ext.asyncio.session import AsyncSession

from infohus_platform.audit.subject_access import row_record
from infohus_platform.messaging.outbox import utcnow

from .domain import DUE_STATES, SENDING


class Notification(SQLModel, table=True):
    """One message owed to someone, and the decision whether it goes out (the art. 14 decision)."""

    __tablename__ = "notification"
    __data_classes__: ClassVar[dict[str, str]] = {
        "notification_id": "process",
        "concern_id": "process",
        "municipality_code": "process",
        "kind": "process",
        "recipient": "process",
        "channel": "process",
        "status": "process",
        "status_reason": "process",
        "created_at": "process",
        "request": "identity",
        "sealed_addressing": "identity",
        "exemption_basis": "narrative",
        "review_on": "process",
        "review_reminded_at": "process",
        "decided_by": "process",
        "decided_at": "process",
    }

    notification_id: str = Field(primary_key=True, max_length=36)
    concern_id: str | None = Field(default=None, max_length=36, index=True)
    municipality_code: str | None = Field(default=None, max_length=3, index=True)
    kind: str = Field(max_length=32)
    recipient: str = Field(max_length=200)  # labels, e.g. "data_subject" or "role:leadership"
    channel: str = Field(max_length=32)  # the first planned channel
    # recorded: goes out | held: waiting for a person (reason, review date) | exempt: not sent, documented
    status: str = Field(max_length=32, index=True)
    status_reason: str | None = Field(default=None, max_length=500)
    created_at: datetime
    request: dict = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    sealed_addressing: dict | None = Field(default=None, sa_column=Column(JSON, nullable=True))
    exemption_basis: str | None = Field(default=None, max_length=200)
    review_on: date | None = None
    review_reminded_at: datetime | None = None
    decided_by: str | None = Field(default=None, max_length=200)
    decided_at: datetime | None = None


class Delivery(SQLModel, table=True):
    """One message to one recipient over one channel: the delivery log's current state."""

    __tablename__ = "delivery"
    __data_classes__: ClassVar[dict[str, str]] = {
        "delivery_id": "process",
        "dedupe_key": "process",
        "purpose": "process",
        "notification_id": "process",
        "partner_id": "process",
        "event_id": "process",
        "event_type": "process",
        "template": "process",
        "recipient_label": "process",
        "recipient": "identity",
        "channel": "process",
        "status": "process",
        "status_reason": "process",
        "priority": "process",
        "attempts": "process",
        "max_attempts": "process",
        "next_attempt_at": "process",
        "lease_until": "process",
        "deadline": "process",
        "created_at": "process",
        "updated_at": "process",
        "sent_at": "process",
        "last_error": "process",
        "decision_id": "process",
        "policy_version": "process",
        "legal_basis": "process",
        "deny_reasons": "process",
        "shared_fields": "process",
        "withheld_fields": "process",
        "payload": "identity",
    }
    __table_args__ = (UniqueConstraint("dedupe_key", name="uq_delivery_dedupe_key"),)

    delivery_id: str = Field(primary_key=True, max_length=36)
    dedupe_key: str = Field(max_length=300)
    purpose: str = Field(max_length=32)  # notice | review_reminder | partner_event
    notification_id: str | None = Field(default=None, max_length=36, index=True)
    partner_id: str | None = Field(default=None, max_length=64, index=True)
    event_id: str | None = Field(default=None, max_length=64)
    event_type: str | None = Field(default=None, max_length=200)
    template: str = Field(max_length=64)
    recipient_label: str = Field(max_length=120)
    recipient: dict = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    channel: str = Field(max_length=16, index=True)
    status: str = Field(max_length=16, index=True)
    status_reason: str | None = Field(default=None, max_length=500)
    priority: int = 5
    attempts: int = 0
    max_attempts: int = 5
    next_attempt_at: datetime = Field(default_factory=utcnow, index=True)
    lease_until: datetime | None = None
    deadline: datetime | None = None
    created_at: datetime = Field(default_factory=utcnow)
    updated_at: datetime = Field(default_factory=utcnow)
    sent_at: datetime | None = None
    last_error: str | None = Field(default=None, max_length=500)
    decision_id: str | None = Field(default=None, max_length=64)
    policy_version: str | None = Field(default=None, max_length=64)
    legal_basis: list = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    deny_reasons: list = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    shared_fields: list = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    withheld_fields: list = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    payload: dict | None = Field(default=None, sa_column=Column(JSON, nullable=True))  # partner events only


class DeliveryLogEntry(SQLModel, table=True):
    """Append-only: every state a delivery went through (queued, failed, retried, sent, dead_lettered, ...)."""

    __tablename__ = "delivery_log"
    __data_classes__: ClassVar[dict[str, str]] = {
        "id": "process",
        "delivery_id": "process",
        "at": "process",
        "status": "process",
        "attempt": "process",
        "detail": "process",
    }

    id: int | None = Field(default=None, primary_key=True)
    delivery_id: str = Field(max_length=36, index=True)
    at: datetime = Field(default_factory=utcnow)
    status: str = Field(max_length=16)
    attempt: int = 0
    detail: str | None = Field(default=None, max_length=500)


class InboxItem(SQLModel, table=True):
    """An in-app notification: a subject, a short text and a link; never case details."""

    __tablename__ = "inbox_item"
    __data_classes__: ClassVar[dict[str, str]] = {
        "item_id": "process",
        "user_id": "process",
        "role": "process",
        "kind": "process",
        "subject": "process",
        "body": "process",
        "link": "process",
        "created_at": "process",
        "read_at": "process",
    }

    item_id: str = Field(primary_key=True, max_length=36)  # the delivery id: one item per delivery
    user_id: str | None = Field(default=None, max_length=64, index=True)
    role: str | None = Field(default=None, max_length=64, index=True)
    kind: str = Field(max_length=64)
    subject: str = Field(max_length=300)
    body: str = Field(sa_column=Column(Text, nullable=False))
    link: str | None = Field(default=None, max_length=500)
    created_at: datetime = Field(default_factory=utcnow)
    read_at: datetime | None = None


TABLES = (Notification, Delivery, DeliveryLogEntry, InboxItem)


def notices_within(municipalities: list[str], district: str | None) -> ColumnElement[bool]:
    """The notices of these municipalities, and the network meetings (no municipality) of this police district."""
    network: ColumnElement[bool] = false()
    if district:
        request = Notification.__table__.c.request  # type: ignore[attr-defined]
        network = col(Notification.municipality_code).is_(None) & (request["police_district"].as_string() == district)
    return or_(col(Notification.municipality_code).in_(municipalities), network)


class NotificationRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def get(self, notification_id: str) -> Notification | None:
        return await self.session.get(Notification, notification_id)

    def add(self, notification: Notification) -> None:
        self.session.add(notification)

    async def for_concern(self, concern_id: str) -> list[Notification]:
        query = select(Notification).where(Notification.concern_id == concern_id).order_by(col(Notification.created_at))
        return list((await self.session.exec(query)).all())

    async def due_for_review(self, today: date) -> list[Notification]:
        query = select(Notification).where(
            Notification.status == "held",
            col(Notification.review_on).is_not(None),
            col(Notification.review_on) <= today,
            col(Notification.review_reminded_at).is_(None),
        )
        return list((await self.session.exec(query)).all())

    # -- deliveries ---------------------------------------------------------------------------

    async def delivery(self, delivery_id: str) -> Delivery | None:
        return await self.session.get(Delivery, delivery_id)

    async def has_delivery(self, dedupe_key: str) -> bool:
        query = select(Delivery.delivery_id).where(Delivery.dedupe_key == dedupe_key)
        return (await self.session.exec(query)).first() is not None

    def add_delivery(self, delivery: Delivery, detail: str | None = None) -> None:
        self.session.add(delivery)
        self.log(delivery, detail or delivery.status_reason)

    def log(self, delivery: Delivery, detail: str | None = None, status: str | None = None) -> None:
        self.session.add(DeliveryLogEntry(delivery_id=delivery.delivery_id, status=status or delivery.status,
                                          attempt=delivery.attempts, detail=(detail or None) and detail[:500]))

    async def deliveries(
        self, *, status: str | None = None, channel: str | None = None, notification_id: str | None = None,
        partner_id: str | None = None, limit: int = 200, within: ColumnElement[bool] | None = None,
    ) -> list[Delivery]:
        """``within``: only the deliveries of those notices (``notices_within``); none of the partners'."""
        query = select(Delivery)
        if within is not None:
            query = query.join(Notification, col(Notification.notification_id) == col(Delivery.notification_id))
            query = query.where(within)
        if status:
            query = query.where(Delivery.status == status)
        if channel:
            query = query.where(Delivery.channel == channel)
        if notification_id:
            query = query.where(Delivery.notification_id == notification_id)
        if partner_id:
            query = query.where(Delivery.partner_id == partner_id)
        query = query.order_by(col(Delivery.created_at).desc()).limit(limit)
        return list((await self.session.exec(query)).all())

    async def log_of(self, delivery_id: str) -> list[DeliveryLogEntry]:
        query = select(DeliveryLogEntry).where(DeliveryLogEntry.delivery_id == delivery_id).order_by(
            col(DeliveryLogEntry.id))
        return list((await self.session.exec(query)).all())

    async def claim_due(self, now: datetime, limit: int, lease_until: datetime, is_postgres: bool) -> list[Delivery]:
        """Take the due deliveries (and abandoned ones whose lease ran out) for this worker."""
        query = (
            select(Delivery)
            .where(
                or_(
                    col(Delivery.status).in_(DUE_STATES)
                    & (col(Delivery.next_attempt_at) <= now)
                    & (col(Delivery.lease_until).is_(None) | (col(Delivery.lease_until) < now)),
                    (col(Delivery.status) == SENDING) & (col(Delivery.lease_until) < now),
                )
            )
            .order_by(col(Delivery.priority), col(Delivery.next_attempt_at))
            .limit(limit)
        )
        if is_postgres:
            query = query.with_for_update(skip_locked=True)
        rows = list((await self.session.exec(query)).all())
        for row in rows:
            row.status = SENDING
            row.lease_until = lease_until
            row.updated_at = now
        return rows

    # -- inbox --------------------------------------------------------------------------------

    async def add_inbox_item(self, item: InboxItem) -> None:
        """Idempotent: a delivery that is retried after a crash does not add a second item."""
        if await self.session.get(InboxItem, item.item_id) is None:
            self.session.add(item)

    async def inbox(self, user_id: str | None, roles: list[str], limit: int = 100,
                    within: ColumnElement[bool] | None = None) -> list[InboxItem]:
        """A user's items and their roles' shared ones; ``within``: only those of these notices."""
        conditions: list[ColumnElement[bool]] = []
        if user_id:
            conditions.append(col(InboxItem.user_id) == user_id)
        if roles:
            conditions.append(col(InboxItem.role).in_(roles) & col(InboxItem.user_id).is_(None))
        if not conditions:
            return []
        query = select(InboxItem).where(or_(*conditions))
        if within is not None:
            # An item is one delivery's (item id = delivery id), of one notice.
            query = (query.join(Delivery, col(Delivery.delivery_id) == col(InboxItem.item_id))
                     .join(Notification, col(Notification.notification_id) == col(Delivery.notification_id))
                     .where(within))
        query = query.order_by(col(InboxItem.created_at).desc()).limit(limit)
        return list((await self.session.exec(query)).all())


def erasure_deletes(concern_id: str) -> list:
    """What notify deletes when a concern's retention ends: the notices, their deliveries and logs."""
    ids = select(Notification.notification_id).where(Notification.concern_id == concern_id).scalar_subquery()
    deliveries = select(Delivery.delivery_id).where(col(Delivery.notification_id).in_(ids)).scalar_subquery()
    return [delete(DeliveryLogEntry).where(col(DeliveryLogEntry.delivery_id).in_(deliveries)),
            delete(Delivery).where(col(Delivery.notification_id).in_(ids)),
            delete(Notification).where(col(Notification.concern_id) == concern_id)]


async def subject_records(session: AsyncSession, concern_ids: list[str]) -> list[dict]:
    """The notices owed to the person and how they went; the sealed address stays sealed."""
    rows = (await session.exec(select(Notification).where(col(Notification.concern_id).in_(concern_ids)))).all()
    return [row_record(row, exclude=("request", "sealed_addressing")) for row in rows]
