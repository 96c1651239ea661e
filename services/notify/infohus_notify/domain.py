"""Notify rules, no I/O: who gets which message over which channel, what it may contain, when it is due."""

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from infohus_contracts.base.classes import DataClass
from infohus_contracts.case.notifications import (
    MeetingUrgency,
    NotificationKind,
    NotificationRequested,
    Recipient,
    RecipientKind,
    summons_deadline,
)

DIGITAL_POST = "digital_post"
EMAIL = "email"
IN_APP = "in_app"
WEBHOOK = "webhook"
KAFKA = "kafka"
CHANNELS = (DIGITAL_POST, EMAIL, IN_APP, WEBHOOK, KAFKA)

# Delivery states, in the delivery log too.
QUEUED, SENDING, RETRYING, SENT = "queued", "sending", "retrying", "sent"
FAILED, DEAD_LETTERED, DENIED, UNADDRESSED = "failed", "dead_lettered", "denied", "unaddressed"
DELIVERY_STATES = (QUEUED, SENDING, RETRYING, SENT, FAILED, DEAD_LETTERED, DENIED, UNADDRESSED)
DUE_STATES = (QUEUED, RETRYING)
# A queued notice delivery whose notice was held before it went out.
CANCELLED = "cancelled"
# What staff may queue again by hand, with a fresh set of attempts.
REQUEUEABLE_STATES = (DEAD_LETTERED, DENIED, UNADDRESSED, CANCELLED)

# What a delivery is for.
NOTICE, REVIEW_REMINDER, PARTNER_EVENT = "notice", "review_reminder", "partner_event"

HONOUR_HOLD_REASON = (
    "honour-related conflict: no automatic contact with the person's home before the risk assessment "
    "(Barnets Lov § 18 stk. 3; LEGAL.md §1 rule 7)"
)

# The controller's data-protection regime (INFOHUS_REGIME): a municipality (GDPR with databeskyttelsesloven)
# or a police district (retshåndhævelsesloven).
GDPR, RHL = "gdpr", "rhl"

RHL_HOLD_REASON = (
    "police district (retshåndhævelsesloven): no letter to the data subject without a decision; which sections "
    "govern informing the data subject, and its exemptions, is unresolved (LEGAL.md §9, Q10; R5, R15; policy "
    "unresolved.rhl_duty_to_inform): a person sends, defers or exempts the notice and records why"
)


def initial_status(request: NotificationRequested, regime: str = GDPR) -> tuple[str, str | None]:
    """Whether a notice may go out now.

    In honour-related conflicts nothing goes to the person's home before the risk assessment
    (Barnets Lov § 18, stk. 3), so the notice is held for a person to release. A police district (rhl)
    sends no duty-to-inform letter without a person's decision (the strict choice while the sections of
    retshåndhævelsesloven that apply are unverified), so every such notice is held too, with both reasons.
    """
    if request.kind != NotificationKind.DUTY_TO_INFORM:
        return "recorded", None
    reasons = [reason for held, reason in ((regime == RHL, RHL_HOLD_REASON),
                                           (request.honour_conflict, HONOUR_HOLD_REASON)) if held]
    if reasons:
        return "held", "; ".join(reasons)
    return "recorded", None


def review_date(today: date, review_days: int) -> date:
    return today + timedelta(days=review_days)


def held_review_on(today: date, regime: str, honour_review_days: int) -> date:
    """When a notice held at arrival is looked at again: a police district's needs its decision now (the
    registration coordinators are reminded at once); an honour-related one after the risk assessment period."""
    return today if regime == RHL else review_date(today, honour_review_days)


def letter_template(kind: str, regime: str = GDPR) -> str:
    """The template of a message kind under the controller's regime: the police district's duty-to-inform
    letter cites retshåndhævelsesloven, not GDPR art. 14 (``duty_to_inform_rhl``)."""
    if kind == NotificationKind.DUTY_TO_INFORM and regime == RHL:
        return f"{kind}_{RHL}"
    return kind


# ---------------------------------------------------------------------------
# Who gets it, over which channel
# ---------------------------------------------------------------------------


@dataclass(frozen=True)
class StaffMember:
    user_id: str
    roles: tuple[str, ...]
    email: str | None = None
    municipality_code: str | None = None
    webhook_url: str | None = None


@dataclass(frozen=True)
class PlannedDelivery:
    recipient_label: str
    channel: str
    recipient: dict[str, Any]
    status: str = QUEUED
    reason: str | None = None


def staff_for(recipient: Recipient, municipality_code: str | None, staff: list[StaffMember]) -> list[StaffMember]:
    """The staff members a staff recipient means: a user by id, or everyone with the role locally."""
    if recipient.kind == RecipientKind.STAFF_USER:
        return [m for m in staff if m.user_id == recipient.user_id]
    return [
        m for m in staff
        if recipient.role in m.roles and m.municipality_code in (None, municipality_code)
    ]


def staff_channels(member: StaffMember) -> list[str]:
    channels = [IN_APP]
    if member.email:
        channels.append(EMAIL)
    if member.webhook_url:
        channels.append(WEBHOOK)
    return channels


def citizen_channel(address: dict[str, str | None], preference: list[str]) -> str | None:
    """The first channel in the preference order that the citizen's address allows."""
    available = {DIGITAL_POST: bool(address.get("cpr")), EMAIL: bool(address.get("email"))}
    return next((c for c in preference if available.get(c)), None)


def plan_deliveries(
    request: NotificationRequested,
    staff: list[StaffMember],
    citizen_address: dict[str, str | None] | None,
    citizen_preference: list[str],
    address_problem: str | None = None,
) -> list[PlannedDelivery]:
    """One delivery per recipient and channel; never an address in the plan's label."""
    planned: list[PlannedDelivery] = []
    for recipient in request.recipients:
        if recipient.kind == RecipientKind.DATA_SUBJECT:
            channel = citizen_channel(citizen_address or {}, citizen_preference)
            if channel is None:
                reason = address_problem or "no usable address for the data subject: send by hand"
                planned.append(PlannedDelivery("data_subject", DIGITAL_POST, {"kind": "data_subject"}, UNADDRESSED,
                                               reason))
            else:
                planned.append(PlannedDelivery("data_subject", channel, {"kind": "data_subject"}))
        elif recipient.kind == RecipientKind.MEETING_PARTICIPANT:
            planned.append(PlannedDelivery(recipient.label, EMAIL, recipient.model_dump(mode="json")))
        else:
            members = staff_for(recipient, request.municipality_code, staff)
            if not members and recipient.kind == RecipientKind.STAFF_ROLE:
                # Nobody in the directory: the role's shared inbox.
                planned.append(PlannedDelivery(recipient.label, IN_APP, {"kind": "staff_role", "role": recipient.role}))
            elif not members:
                planned.append(PlannedDelivery(recipient.label, IN_APP, {"kind": "staff_user",
                                                                         "user_id": recipient.user_id}))
            for member in members:
                for channel in staff_channels(member):
                    planned.append(PlannedDelivery(f"user:{member.user_id}", channel,
                                                   {"kind": "staff_user", "user_id": member.user_id,
                                                    "role": recipient.role}))
    unique: dict[tuple[str, str], PlannedDelivery] = {}
    for item in planned:
        unique.setdefault((item.recipient_label, item.channel), item)
    return list(unique.values())


def deadline_for(
    request: NotificationRequested, *, urgent_within: timedelta, regular_notice: timedelta
) -> datetime | None:
    """By when the message must have gone out (meeting summons), else None."""
    if request.kind == NotificationKind.MEETING_SUMMONS and request.due_at and request.meeting_urgency:
        return summons_deadline(request.requested_at, request.due_at, request.meeting_urgency,
                                urgent_within=urgent_within, regular_notice=regular_notice)
    return None


def priority_of(request: NotificationRequested) -> int:
    """Lower goes first: urgent summons before everything else."""
    if request.meeting_urgency in (MeetingUrgency.URGENT, MeetingUrgency.NEXT_DAY):
        return 0
    if request.kind in (NotificationKind.FOLLOW_UP_OVERDUE, NotificationKind.LEADERSHIP_APPROVAL_NEEDED):
        return 1
    return 5


def backoff_seconds(attempt: int, base: float, maximum: float) -> float:
    """Exponential backoff after ``attempt`` failed attempts (what tenacity waits between tries)."""
    return min(base * 2 ** max(attempt - 1, 0), maximum)


# ---------------------------------------------------------------------------
# What a message may contain: fields with their data classes, judged by OPA
# ---------------------------------------------------------------------------


@dataclass(frozen=True)
class MessageField:
    name: str
    data_class: DataClass
    value: Any


@dataclass
class MessagePlan:
    """What OPA is asked about a message: who receives it, why, and which classified fields it holds."""

    recipient: dict[str, Any]
    purpose: str
    fields: list[MessageField] = field(default_factory=list)
    subject: dict[str, Any] | None = None
    flags: dict[str, bool] | None = None
    case_stage: str | None = None

    def share_input(self, sender: dict[str, Any], classes: list[str] | None = None) -> dict[str, Any]:
        data: dict[str, Any] = {
            "action": "send",
            "sender": sender,
            "recipient": self.recipient,
            "purpose": self.purpose,
            "acting_role": "system",
            "data_classes": sorted(classes if classes is not None else {f.data_class.value for f in self.fields}),
        }
        for key in ("subject", "flags", "case_stage"):
            if getattr(self, key):
                data[key] = getattr(self, key)
        return data

    def preview_input(self, sender: dict[str, Any]) -> dict[str, Any]:
        data = self.share_input(sender, classes=[])
        data.pop("data_classes")
        data["fields"] = [{"name": f.name, "data_class": f.data_class.value} for f in self.fields]
        return data


def message_plan(
    *,
    kind: str,
    recipient: dict[str, Any],
    org: str,
    municipality_code: str | None,
    request: dict[str, Any],
    notification_id: str,
    citizen_name: str | None = None,
    honour_conflict: bool = False,
) -> MessagePlan:
    """The classified fields a message would hold, and the share OPA must allow.

    Letters to citizens: their own name (identity) and process facts. Staff messages: process facts
    and a link, never case details. Network meeting participants: general knowledge only (no case).
    """
    P, GK = DataClass.PROCESS, DataClass.GENERAL_KNOWLEDGE
    reference = MessageField("reference", P, notification_id[:8].upper())
    if kind == NotificationKind.DUTY_TO_INFORM:
        fields = [reference, MessageField("registered_at", P, request.get("requested_at"))]
        if citizen_name:
            fields.append(MessageField("name", DataClass.IDENTITY, citizen_name))
        return MessagePlan(
            recipient={"kind": "data_subject", "org": org},
            purpose="duty_to_inform",
            fields=fields,
            subject={"municipality_code": municipality_code},
            flags={"honour_conflict": honour_conflict} if honour_conflict else None,
            case_stage="received",
        )
    network_meeting = kind == NotificationKind.MEETING_SUMMONS and not request.get("concern_id")
    data_class = GK if network_meeting else P
    fields = [MessageField("reference", data_class, reference.value)]
    for name in ("due_at", "meeting_urgency", "link_path"):
        if request.get(name):
            fields.append(MessageField(name, data_class, request[name]))
    if network_meeting:
        return MessagePlan(recipient={"kind": "network", "org": org}, purpose="prevention", fields=fields)
    staff = {"kind": "internal", "org": org}
    if recipient.get("role"):
        staff["role"] = recipient["role"]
    return MessagePlan(recipient=staff, purpose="prevention", fields=fields)


def allowed_fields(plan: MessagePlan, preview: dict[str, Any]) -> list[MessageField]:
    """The fields OPA's preview says may be shared; anything it did not judge is withheld."""
    shared = {f.get("name") for f in preview.get("fields", []) if isinstance(f, dict) and f.get("shared") is True}
    return [f for f in plan.fields if f.name in shared]


def review_reminder_plan(org: str, notification_id: str) -> MessagePlan:
    """The reminder to the registration coordinators about a held notice (the art. 14 decision, "orientering"):
    a reference and a link only."""
    return MessagePlan(recipient={"kind": "internal", "org": org, "role": "registration_coordinator"},
                       purpose="duty_to_inform",
                       fields=[MessageField("reference", DataClass.PROCESS, notification_id[:8].upper())])


def retention_months(retention: dict[str, Any]) -> dict[str, Any]:
    """How long the letter says the data are kept, from the retention rules in policy data.

    ``unfounded_months`` and ``effort_months`` are the top-level (municipal) rules; ``by_regime.<regime>`` the
    same for each regime with rules of its own (``retention.by_regime``), as the schedule applies them.
    """
    rules = retention.get("rules", {})

    def months(outcome_rules: dict[str, Any], unfounded: str | None, effort: str | None) -> dict[str, Any]:
        return {
            "unfounded_months": rules.get(outcome_rules.get("unfounded", unfounded), {}).get("months"),
            "effort_months": rules.get(outcome_rules.get("effort", effort), {}).get("months"),
        }

    top = retention.get("outcome_rules", {})
    own_rules = {regime: own.get("outcome_rules", top) for regime, own in retention.get("by_regime", {}).items()
                 if isinstance(own, dict)}
    # A regime's own outcome rules replace the top-level ones whole, as in the schedule: no fallback to P1/P2.
    return months(top, "P1", "P2") | {"by_regime": {r: months(o, None, None) for r, o in own_rules.items()}}
