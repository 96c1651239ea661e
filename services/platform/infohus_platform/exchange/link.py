"""This organisation's connection to the district's exchange cluster: its principal, its key, its handlers."""

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from faststream.kafka import KafkaBroker
from sqlmodel.ext.asyncio.session import AsyncSession

from infohus_contracts.base.district import District, link_topic
from infohus_contracts.base.exchange import (
    DECISION_HEADER,
    POLICY_VERSION_HEADER,
    SIGNATURE_HEADER,
    ExchangeType,
)
from infohus_platform.messaging.kafka import sasl_security
from infohus_platform.settings import ServiceSettings

from .signing import Signer

# Internal headers that stay home: the correlation id and the subject are this instance's own references.
STAYS_HOME = ("ce_subject", "ce_correlationid")


@dataclass(frozen=True)
class ExchangeDelivery:
    """One accepted message as a handler sees it; ``subjects`` are the local concerns it touched (for the log)."""

    session: AsyncSession
    event_id: str
    sender_org: str
    message_type: str
    subjects: list[str] = field(default_factory=list)


ExchangeHandler = Callable[[Any, ExchangeDelivery], Awaitable[None]]


class Exchange:
    """The exchange cluster as this organisation sees it: publish its signed messages, receive those for it."""

    def __init__(self, settings: ServiceSettings, district: District) -> None:
        assert settings.exchange_bootstrap_servers is not None
        if settings.infohus_org not in district.organisations:
            raise ValueError(f"INFOHUS_ORG {settings.infohus_org!r} is not a member of the district "
                             f"{district.district!r} (INFOHUS_DISTRICT_FILE)")
        if settings.exchange_signing_key_file is None:
            raise ValueError("a member of a district needs EXCHANGE_SIGNING_KEY_FILE: every message it sends is signed")
        self.settings = settings
        self.district = district
        self.signer = Signer.from_file(settings.exchange_signing_key_file)
        if district.signing_key(settings.infohus_org, self.signer.kid) is None:
            raise ValueError(f"the signing key {self.signer.kid!r} is not in the district's trust list for "
                             f"{settings.infohus_org}")
        security = sasl_security(settings.exchange_security_protocol, settings.exchange_sasl_mechanism,
                                 settings.exchange_credentials)
        self.broker = KafkaBroker(
            settings.exchange_bootstrap_servers, security=security, allow_auto_create_topics=security is None,
            client_id=f"infohus-{settings.infohus_org}-{settings.service_name}", enable_idempotence=False,
            acks="all", logger=None,
        )
        self.ready = asyncio.Event()
        self.handlers: dict[str, tuple[ExchangeType, ExchangeHandler]] = {}

    @property
    def org(self) -> str:
        return self.settings.infohus_org

    def group_id(self) -> str:
        """Consumer groups on the exchange are the organisation's own (its ACLs grant ``<prefix><org>.``)."""
        return f"{self.settings.exchange_topic_prefix}{self.org}.{self.settings.service_name}"

    def inbound_topics(self) -> list[str]:
        return [link_topic(sender, self.org, self.settings.exchange_topic_prefix)
                for sender in self.district.senders_to(self.org)]

    def outgoing_headers(self, headers: dict[str, str], body: bytes, decision_id: str | None,
                         policy_version: str | None) -> dict[str, str]:
        """The headers a message leaves with: the sender's decision in them, and all of it signed."""
        sent = {k: v for k, v in headers.items() if k not in STAYS_HOME}
        sent[DECISION_HEADER] = decision_id or ""
        sent[POLICY_VERSION_HEADER] = policy_version or ""
        sent[SIGNATURE_HEADER] = self.signer.sign(sent, body)
        return sent

    async def publish(self, topic: str, key: str, body: bytes, headers: dict[str, str]) -> None:
        await self.broker.publish(body, topic=self.settings.exchange_topic_prefix + topic, key=key.encode(),
                                  headers=headers)
