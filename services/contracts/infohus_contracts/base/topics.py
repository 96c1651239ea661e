"""The topic catalogue's building block, and the topics the district network may know.

A topic's name is the contract; a breaking change gets a new version. Each ``Topic`` also owns the
CloudEvents ``type`` of the events it carries (``event_type``), so nobody types one by hand.
"""

import typing
from dataclasses import dataclass
from typing import Any

from pydantic import BaseModel

from .aggregates import AggregateReport
from .exchange import ExchangeRefused
from .summons import MeetingSummonsRequested

DEAD_LETTER_SUFFIX = ".dlq"


@dataclass(frozen=True)
class Topic:
    name: str
    producers: tuple[str, ...]
    consumers: tuple[str, ...]
    schema: Any
    description: str
    type_template: str
    """The CloudEvents ``type``; ``{kind}`` stands for the body's ``kind`` on a topic of several kinds."""
    aggregate_only: bool = False
    """Nothing personal may ever be on it; a refused message is dead-lettered without its body."""

    def qualified(self, prefix: str = "") -> str:
        """The topic's name on the broker; a prefix keeps test runs apart."""
        return f"{prefix}{self.name}"

    def event_type(self, body: BaseModel) -> str:
        """The CloudEvents ``type`` of ``body`` on this topic."""
        if "{kind}" not in self.type_template:
            return self.type_template
        kind = getattr(body, "kind", None)  # the discriminator of a union of several kinds
        if not isinstance(kind, str):
            raise ValueError(f"{type(body).__name__} has no kind: it is not an event of {self.name}")
        return self.type_template.format(kind=kind)

    @property
    def event_types(self) -> tuple[str, ...]:
        """Every ``type`` this topic carries (one per ``kind`` of a discriminated union)."""
        if "{kind}" not in self.type_template:
            return (self.type_template,)
        return tuple(self.type_template.format(kind=kind) for kind in _kinds(self.schema))


def _kinds(schema: Any) -> list[str]:
    members = typing.get_args(typing.get_args(schema)[0]) if typing.get_origin(schema) is typing.Annotated else ()
    return [typing.get_args(m.model_fields["kind"].annotation)[0] for m in members]


NETWORK_AGGREGATES = Topic(
    "infohus.network.aggregates.v1", ("registry",), ("network", "notify"), AggregateReport,
    "Counts for the district network: aggregate-only, small cells suppressed.",
    "dk.infohus.network.aggregate.v1", aggregate_only=True,
)

NETWORK_SUMMONS = Topic(
    "infohus.network.summons.v1", ("network",), ("notify",), MeetingSummonsRequested,
    "Meeting summons of the district network for notify to send: ids, the start, the members' work addresses.",
    "dk.infohus.network.summons_requested.v1",
)

EXCHANGE_REFUSED = Topic(
    "infohus.exchange.refused.v1", ("assessment", "network"), (), ExchangeRefused,
    "Messages from another organisation that the receiver refused (bad or no signature, unknown sender, unagreed "
    "type, invalid body, denied by the receiver's policy): where, who and why, never the body.",
    "dk.infohus.exchange.refused.v1",
)

NETWORK_TOPICS: tuple[Topic, ...] = (NETWORK_AGGREGATES, NETWORK_SUMMONS, EXCHANGE_REFUSED)
"""The topics a district network's services may produce or consume."""


def is_aggregate_only(qualified_name: str, topics: tuple[Topic, ...] = NETWORK_TOPICS) -> bool:
    """Whether a topic on the broker (with any run prefix) is one of the aggregate-only topics."""
    return any(topic.aggregate_only and qualified_name.endswith(topic.name) for topic in topics)


PARTNER_TOPIC_TEMPLATE = "infohus.partner.{partner_id}.v1"
"""A partner system's own topic: written by notify only, read by the partner's principal only."""
PARTNER_TOPIC_PRODUCERS = ("notify",)


def partner_topic(partner_id: str, prefix: str = "") -> str:
    return prefix + PARTNER_TOPIC_TEMPLATE.format(partner_id=partner_id)
