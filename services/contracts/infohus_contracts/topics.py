"""Kafka topics, versioned. The name is the contract; a breaking change gets a new version."""

from dataclasses import dataclass

DEAD_LETTER_SUFFIX = ".dlq"


@dataclass(frozen=True)
class Topic:
    name: str
    producer: str
    consumers: tuple[str, ...]

    def qualified(self, prefix: str = "") -> str:
        """The topic's name on the broker; a prefix keeps test runs apart."""
        return f"{prefix}{self.name}"


CONCERN_RECEIVED = Topic("infohus.concern.received.v1", "intake", ("assessment",))
CASE_EVENTS = Topic("infohus.case.events.v1", "assessment", ("registry",))
NOTIFY_REQUESTS = Topic("infohus.notify.requests.v1", "registry", ("notify",))
NETWORK_AGGREGATES = Topic("infohus.network.aggregates.v1", "registry", ("network",))

ALL_TOPICS = (CONCERN_RECEIVED, CASE_EVENTS, NOTIFY_REQUESTS, NETWORK_AGGREGATES)
