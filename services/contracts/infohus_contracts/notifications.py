"""Notification requests: what notify must tell whom. Ids and process facts only, never case details."""

from datetime import datetime
from enum import StrEnum
from typing import Literal
from uuid import UUID

from .classes import DataClass, classified
from .events import Contract

P = DataClass.PROCESS


class NotificationKind(StrEnum):
    DUTY_TO_INFORM = "duty_to_inform"


class NotificationRequested(Contract):
    """``infohus.notify.requests.v1``: something must be told to someone."""

    notification_id: UUID = classified(P)
    concern_id: UUID = classified(P)
    municipality_code: str = classified(P, pattern=r"^\d{3}$")
    kind: NotificationKind = classified(P)
    recipient: Literal["data_subject"] = classified(P, "data_subject")
    honour_conflict: bool = classified(P, False)
    requested_at: datetime = classified(P)
