"""Kafka topics, versioned. The name is the contract; a breaking change gets a new version."""

from dataclasses import dataclass

from typing import Any

from .aggregates import AggregateReport
from .events import CaseEvent, ConcernReceived, PersonErased
from .notifications import NotificationRequested

DEAD_LETTER_SUFFIX = ".dlq"


@dataclass(frozen=True)
class Topic:
    name: str
    producers: tuple[str, ...]
    consumers: tuple[str, ...]
    schema: Any
    description: str
    aggregate_only: bool = False
    """Nothing personal may ever be on it; a refused message is dead-lettered without its body."""

    def qualified(self, prefix: str = "") -> str:
        """The topic's name on the broker; a prefix keeps test runs apart."""
        return f"{prefix}{self.name}"


CONCERN_RECEIVED = Topic(
    "infohus.concern.received.v1", ("intake",), ("assessment",), ConcernReceived,
    "A concern intake accepted, keyed by concern id.",
)
CASE_EVENTS = Topic(
    "infohus.case.events.v1", ("assessment",), ("registry",), CaseEvent,
    "Every state change of a case, keyed by concern id so a case's events stay in order.",
)
NOTIFY_REQUESTS = Topic(
    "infohus.notify.requests.v1", ("registry", "assessment", "network"), ("notify",), NotificationRequested,
    "Messages owed to citizens or staff; ids only, never case details.",
)
NETWORK_AGGREGATES = Topic(
    "infohus.network.aggregates.v1", ("registry",), ("network", "notify"), AggregateReport,
    "Counts for the district network: aggregate-only, small cells suppressed.",
    aggregate_only=True,
)

ERASURE = Topic(
    "infohus.erasure.v1", ("registry",), ("intake", "assessment", "notify"), PersonErased,
    "Tombstones: the concern's retention ended and every service deletes its personal data.",
)

ALL_TOPICS = (CONCERN_RECEIVED, CASE_EVENTS, NOTIFY_REQUESTS, NETWORK_AGGREGATES, ERASURE)

def is_aggregate_only(qualified_name: str) -> bool:
    """Whether a topic on the broker (with any run prefix) is one of the aggregate-only topics."""
    return any(topic.aggregate_only and qualified_name.endswith(topic.name) for topic in ALL_TOPICS)


PARTNER_TOPIC_TEMPLATE = "infohus.partner.{partner_id}.v1"
"""A partner system's own topic: written by notify only, read by the partner's principal only."""
PARTNER_TOPIC_PRODUCERS = ("notify",)


def partner_topic(partner_id: str, prefix: str = "") -> str:
    return prefix + PARTNER_TOPIC_TEMPLATE.format(partner_id=partner_id)
