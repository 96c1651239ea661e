"""What crosses between organisations: each message type, its contract and who in the recipient handles it.

A cross-organisation message (``dk.infohus.x.*``) travels on the district's exchange cluster, on the link topic
of its sender and recipient (``district.link_topic``), with its CloudEvents attributes and the sender's
signature and share decision in the headers (``EXCHANGE_HEADERS``). The agreements of the district document say
which type may go from whom to whom; the case's types are in ``infohus_contracts.case.exchange``.
"""

from dataclasses import dataclass
from typing import Any

from .aggregates import AggregateReport
from .classes import DataClass, classified
from .contract import Contract

P = DataClass.PROCESS


@dataclass(frozen=True)
class ExchangeType:
    type: str
    """The CloudEvents ``type`` (``dk.infohus.x.<name>.v1``), also the agreement's ``type``."""
    schema: Any
    description: str
    receiver: str
    """The service of the recipient's instance that accepts it (the instance's one exchange receiver)."""


SENDER_HEADER = "ce_infohussender"
RECIPIENT_HEADER = "ce_infohusrecipient"
DECISION_HEADER = "ce_infohusdecisionid"
POLICY_VERSION_HEADER = "ce_infohuspolicyversion"
SIGNATURE_HEADER = "ce_infohussignature"
EXCHANGE_HEADERS = (SENDER_HEADER, RECIPIENT_HEADER, DECISION_HEADER, POLICY_VERSION_HEADER, SIGNATURE_HEADER)

AGGREGATE_REPORT_SHARED = ExchangeType(
    "dk.infohus.x.aggregate_report.v1", AggregateReport,
    "One aggregate cell for the district network from the municipality (or police district) it counts for.",
    receiver="network",
)

BASE_EXCHANGE_TYPES: tuple[ExchangeType, ...] = (AGGREGATE_REPORT_SHARED,)
"""The types a district network may know (it imports nothing of the case)."""


class ExchangeRefused(Contract):
    """``infohus.exchange.refused.v1``: a cross-organisation message the receiver refused, without its body."""

    event_id: str | None = classified(P, None, max_length=64)
    sender_org: str = classified(P, max_length=100)
    message_type: str | None = classified(P, None, max_length=100, pattern=r"^[a-z0-9._-]+$")
    reason_code: str = classified(P, max_length=40)
    reason: str = classified(P, max_length=1000)
    link_topic: str = classified(P, max_length=300)
    partition: int = classified(P)
    offset: int = classified(P)
    service: str = classified(P, max_length=40)
