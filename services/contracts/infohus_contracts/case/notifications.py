"""Notification requests: what notify must tell whom. Ids and process facts only, never case details.

Any service stages a ``NotificationRequested`` on ``infohus.notify.requests.v1``; notify turns it
into messages (e-mail, Digital Post, in-app, webhook), asks OPA what each message may contain,
and keeps a delivery log. A citizen's address never travels in clear: the producer seals it
(``seal_addressing``, AES-GCM with the instance's addressing key, bound to the notification id),
and only notify opens it, at the moment it sends.
"""

import base64
import hashlib
import json
import os
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any
from uuid import UUID

from pydantic import Field, model_validator

from infohus_contracts.base.classes import DataClass, classified
from infohus_contracts.base.contract import Contract
from infohus_contracts.base.summons import MeetingUrgency

P = DataClass.PROCESS


class NotificationKind(StrEnum):
    DUTY_TO_INFORM = "duty_to_inform"  # GDPR art. 13/14 notice to the person whose data is registered
    MEETING_SUMMONS = "meeting_summons"  # with meeting_urgency: regular, urgent (within a week), next_day
    FOLLOW_UP_REMINDER = "follow_up_reminder"
    FOLLOW_UP_OVERDUE = "follow_up_overdue"
    ENRICHMENT_DEADLINE = "enrichment_deadline"
    LEADERSHIP_EFFORT_STARTED = "leadership_effort_started"
    LEADERSHIP_APPROVAL_NEEDED = "leadership_approval_needed"
    HANDOVER_AT_18 = "handover_at_18"


class RecipientKind(StrEnum):
    DATA_SUBJECT = "data_subject"  # addressed through ``addressing`` (sealed)
    STAFF_ROLE = "staff_role"  # everyone with that role in notify's staff directory
    STAFF_USER = "staff_user"  # one staff member by user id
    MEETING_PARTICIPANT = "meeting_participant"  # an e-mail address, for network meetings


class StaffRole(StrEnum):
    SSP_COORDINATOR = "ssp_coordinator"
    POLICE_COORDINATOR = "police_coordinator"
    REGISTRATION_COORDINATOR = "registration_coordinator"
    LEADERSHIP = "leadership"
    AUTHORITY_CASEWORKER = "authority_caseworker"


STAFF_KINDS = frozenset(
    {
        NotificationKind.FOLLOW_UP_REMINDER,
        NotificationKind.FOLLOW_UP_OVERDUE,
        NotificationKind.ENRICHMENT_DEADLINE,
        NotificationKind.LEADERSHIP_EFFORT_STARTED,
        NotificationKind.LEADERSHIP_APPROVAL_NEEDED,
        NotificationKind.HANDOVER_AT_18,
        NotificationKind.MEETING_SUMMONS,
    }
)


class Recipient(Contract):
    """Who a message is for. Staff by role or user id; a participant by e-mail; or the data subject."""

    kind: RecipientKind = classified(P)
    role: StaffRole | None = classified(P, None)
    user_id: str | None = classified(P, None, pattern=r"^[A-Za-z0-9._@-]{1,64}$")
    email: str | None = classified(
        DataClass.IDENTITY, None, max_length=254, pattern=r"^[^@\s]+@[^@\s]+\.[^@\s]+$",
        description="only for meeting_participant: a network meeting participant's work address",
    )

    @model_validator(mode="after")
    def _one_address(self) -> "Recipient":
        needed = {
            RecipientKind.DATA_SUBJECT: (),
            RecipientKind.STAFF_ROLE: ("role",),
            RecipientKind.STAFF_USER: ("user_id",),
            RecipientKind.MEETING_PARTICIPANT: ("email",),
        }[self.kind]
        given = tuple(name for name in ("role", "user_id", "email") if getattr(self, name) is not None)
        if given != needed:
            raise ValueError(f"recipient '{self.kind.value}' takes exactly {list(needed) or 'no address fields'}")
        return self

    @property
    def label(self) -> str:
        """A short, stable name of the recipient for logs and the delivery log (no e-mail address)."""
        if self.kind == RecipientKind.STAFF_ROLE:
            return f"role:{self.role}"
        if self.kind == RecipientKind.STAFF_USER:
            return f"user:{self.user_id}"
        if self.kind == RecipientKind.MEETING_PARTICIPANT:
            return "participant:" + hashlib.sha256((self.email or "").lower().encode()).hexdigest()[:12]
        return self.kind.value


DATA_SUBJECT = Recipient(kind=RecipientKind.DATA_SUBJECT)


class SealedAddressing(Contract):
    """The citizen's address for the duty-to-inform notice, sealed for notify (AES-GCM).

    Inside: ``{"cpr": ..., "name": ..., "email": ...}`` (each optional). Digital Post addresses
    by CPR; e-mail by address. The seal is bound to the notification id, so it cannot be moved
    to another notification.
    """

    key_id: str = classified(P, pattern=r"^[0-9a-f]{8}$")
    sealed: str = classified(DataClass.IDENTITY, min_length=16, max_length=4000)


class NotificationRequested(Contract):
    """``infohus.notify.requests.v1``: something must be told to someone.

    - ``duty_to_inform``: recipient ``data_subject``; ``addressing`` sealed by the producer;
      ``honour_conflict`` holds it until a person releases it (Barnets Lov § 18 stk. 3).
    - ``meeting_summons``: ``meeting_urgency`` and ``due_at`` (when the meeting starts) required,
      ``meeting_id`` recommended; without ``concern_id`` it is a network meeting (no case).
    - reminders and leadership notices: staff recipients, ``link_path`` to the case in the UI,
      ``due_at`` when the deadline is.
    """

    notification_id: UUID = classified(P)
    concern_id: UUID | None = classified(P, None)
    municipality_code: str | None = classified(
        P, None, pattern=r"^\d{3}$", description="required except for a district network's meeting summons"
    )
    police_district: str | None = classified(P, None, max_length=40, description="for network meetings")
    kind: NotificationKind = classified(P)
    recipients: list[Recipient] = Field(default_factory=lambda: [DATA_SUBJECT], min_length=1, max_length=50)
    honour_conflict: bool = classified(P, False)
    requested_at: datetime = classified(P)
    link_path: str | None = classified(
        P, None, max_length=200, pattern=r"^/[A-Za-z0-9/_-]*$",
        description="a path inside the platform UI (no query string, no personal data)",
    )
    due_at: datetime | None = classified(P, None, description="deadline, or when the meeting starts")
    meeting_id: UUID | None = classified(P, None)
    meeting_urgency: MeetingUrgency | None = classified(P, None)
    addressing: SealedAddressing | None = None

    @model_validator(mode="before")
    @classmethod
    def _legacy_recipient(cls, data: Any) -> Any:
        # Version 1 as first published carried ``"recipient": "data_subject"``.
        if isinstance(data, dict) and "recipient" in data:
            data = dict(data)
            legacy = data.pop("recipient")
            if legacy != RecipientKind.DATA_SUBJECT.value:
                raise ValueError("recipient: only 'data_subject' is known; use recipients")
            data.setdefault("recipients", [{"kind": "data_subject"}])
        return data

    @model_validator(mode="after")
    def _consistent(self) -> "NotificationRequested":
        subject = any(r.kind == RecipientKind.DATA_SUBJECT for r in self.recipients)
        if self.kind == NotificationKind.DUTY_TO_INFORM:
            if not subject or len(self.recipients) != 1:
                raise ValueError("duty_to_inform goes to the data subject only")
            if self.concern_id is None:
                raise ValueError("duty_to_inform needs concern_id")
        elif subject:
            raise ValueError(f"{self.kind.value} goes to staff or meeting participants, never to the data subject")
        elif self.addressing is not None:
            raise ValueError("addressing is only for duty_to_inform")
        if self.kind == NotificationKind.MEETING_SUMMONS:
            if self.meeting_urgency is None or self.due_at is None:
                raise ValueError("meeting_summons needs meeting_urgency and due_at (the meeting's start)")
        elif self.meeting_urgency is not None:
            raise ValueError("meeting_urgency is only for meeting_summons")
        if self.municipality_code is None and not (self.kind == NotificationKind.MEETING_SUMMONS
                                                   and self.concern_id is None and self.police_district):
            raise ValueError("municipality_code is required (only a network meeting names its police district)")
        if any(r.kind == RecipientKind.MEETING_PARTICIPANT for r in self.recipients) and (
            self.kind != NotificationKind.MEETING_SUMMONS or self.concern_id is not None
        ):
            raise ValueError("meeting participants by e-mail are only for network meeting summons (no concern_id)")
        return self

    @property
    def network_meeting(self) -> bool:
        return self.kind == NotificationKind.MEETING_SUMMONS and self.concern_id is None


# --------------------------------------------------------------------------------------------
# Sealing the citizen's address
# --------------------------------------------------------------------------------------------

ADDRESSING_KEY_ENV = "INFOHUS_ADDRESSING_KEY"


class AddressingError(Exception):
    """The address cannot be sealed or opened (no key, wrong key, tampered)."""


def addressing_key(value: str | None = None) -> bytes:
    """The instance's 32-byte addressing key, base64 (url-safe or standard), from the environment."""
    raw = value if value is not None else os.environ.get(ADDRESSING_KEY_ENV)
    if not raw:
        raise AddressingError(f"{ADDRESSING_KEY_ENV} is not set")
    try:
        key = base64.urlsafe_b64decode(raw.strip() + "=" * (-len(raw.strip()) % 4))
    except ValueError:
        raise AddressingError(f"{ADDRESSING_KEY_ENV} is not base64") from None
    if len(key) != 32:
        raise AddressingError(f"{ADDRESSING_KEY_ENV} must hold 32 bytes")
    return key


def key_id_of(key: bytes) -> str:
    return hashlib.sha256(b"infohus-addressing:" + key).hexdigest()[:8]


def seal_addressing(
    notification_id: UUID, key: bytes, *, cpr: str | None = None, name: str | None = None, email: str | None = None
) -> SealedAddressing:
    from cryptography.hazmat.primitives.ciphers.aead import AESGCM

    plain = json.dumps({"cpr": cpr, "name": name, "email": email}, ensure_ascii=False).encode()
    nonce = os.urandom(12)
    sealed = AESGCM(key).encrypt(nonce, plain, str(notification_id).encode())
    return SealedAddressing(key_id=key_id_of(key), sealed=base64.urlsafe_b64encode(nonce + sealed).decode())


def open_addressing(addressing: SealedAddressing, notification_id: UUID | str, key: bytes) -> dict[str, str | None]:
    from cryptography.exceptions import InvalidTag
    from cryptography.hazmat.primitives.ciphers.aead import AESGCM

    if addressing.key_id != key_id_of(key):
        raise AddressingError(f"sealed with key {addressing.key_id}, which this instance does not hold")
    try:
        raw = base64.urlsafe_b64decode(addressing.sealed)
        plain = AESGCM(key).decrypt(raw[:12], raw[12:], str(notification_id).encode())
    except (InvalidTag, ValueError):
        raise AddressingError("the sealed address does not open (tampered, or another notification's)") from None
    data = json.loads(plain)
    return {k: data.get(k) for k in ("cpr", "name", "email")}


def summons_deadline(
    requested_at: datetime,
    meeting_at: datetime,
    urgency: MeetingUrgency,
    *,
    regular_notice: timedelta = timedelta(days=7),
    urgent_within: timedelta = timedelta(minutes=15),
) -> datetime:
    """By when a meeting summons must have gone out.

    Urgent and next-day summons go out at once (within ``urgent_within`` of the request, and in
    any case before the meeting); a regular summons at least ``regular_notice`` before the meeting,
    or at once when that moment has already passed.
    """
    if urgency == MeetingUrgency.REGULAR:
        latest = meeting_at - regular_notice
        return latest if latest > requested_at else requested_at + urgent_within
    return min(requested_at + urgent_within, meeting_at)
