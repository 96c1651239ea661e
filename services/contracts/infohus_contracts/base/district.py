"""A district of instances (a police district's federation): who is in it, their keys, what they agreed.

Every organisation of a police district runs its own instance: each municipality its Infohus Kommune
(kind ``municipality``), the police district its own (``police``) and the district's Infohus Netværk
(``network``). What crosses between them goes over the district's exchange cluster, one Kafka topic per
agreed link (``link_topic``): only the sender's principal may write it and only the recipient's read it.

The district document (``INFOHUS_DISTRICT_FILE``, loaded by the services and, as ``data.infohus.district``,
by every member's OPA) is the trust list: each organisation's signing keys (public), the identity providers
whose sign-ins it vouches for, and the agreements (samarbejdsaftaler): which message type may go from whom
to whom, with which data classes, for which purpose, on which legal basis. Nothing in it is secret.
"""

import json
from enum import StrEnum
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, model_validator

from .municipalities import is_municipality

EXCHANGE_TOPIC_TEMPLATE = "infohus.x.{sender}.{recipient}.v1"
"""The topic of one link on the exchange cluster: written by the sender's principal, read by the recipient's."""
ORG_PATTERN = r"^(kommune-[0-9]{3}|politi-[a-z]+(-[a-z]+)*|netvaerk-[a-z]+(-[a-z]+)*)$"


def link_topic(sender: str, recipient: str, prefix: str = "") -> str:
    return prefix + EXCHANGE_TOPIC_TEMPLATE.format(sender=sender, recipient=recipient)


def link_of(topic: str, prefix: str = "") -> tuple[str, str] | None:
    """(sender, recipient) of a link topic, or ``None`` when the name is no link topic."""
    name = topic.removeprefix(prefix)
    if not (name.startswith("infohus.x.") and name.endswith(".v1")):
        return None
    parts = name.removeprefix("infohus.x.").removesuffix(".v1").split(".")
    return (parts[0], parts[1]) if len(parts) == 2 else None


class OrgKind(StrEnum):
    MUNICIPALITY = "municipality"
    POLICE = "police"
    NETWORK = "network"


class SigningKey(BaseModel):
    """An organisation's public key for the messages it signs (an Ed25519 JWK); ``kid`` names it in a
    signature's header, so a new key can be added before the old one is removed (rotation)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    kid: str = Field(min_length=1, max_length=100)
    jwk: dict[str, str]


class Issuer(BaseModel):
    """An identity provider that signs in this organisation's people (OpenID Connect issuer and key set)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    issuer: str = Field(min_length=1)
    jwks_url: str | None = None
    jwks: dict[str, Any] | None = None

    @model_validator(mode="after")
    def _one_key_set(self) -> "Issuer":
        if (self.jwks_url is None) == (self.jwks is None):
            raise ValueError("an issuer needs exactly one of jwks_url and jwks")
        return self


class Organisation(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    kind: OrgKind
    name: str = Field(min_length=1, max_length=200)
    municipalities: tuple[str, ...] = ()
    """The municipalities it serves (a municipality its own; the police and the network every one of the district)."""
    signing_keys: tuple[SigningKey, ...] = ()
    issuers: tuple[Issuer, ...] = ()


class Agreement(BaseModel):
    """One agreed message type from a sender to a recipient (a kind, or one organisation's id), like a service
    agreement of the municipal message distribution: which type, which sensitivity, which data classes."""

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)

    type: str = Field(min_length=1)
    sender: str = Field(alias="from", min_length=1)
    recipient: str = Field(alias="to", min_length=1)
    sensitivity: str = Field(pattern="^(aggregate|internal|confidential|sensitive)$")
    data_classes: tuple[str, ...]
    purpose: str
    legal_basis: tuple[str, ...] = ()
    description: str = ""


class District(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    district: str = Field(pattern=r"^[a-z]+(-[a-z]+)*$")
    version: str = Field(min_length=1)
    organisations: dict[str, Organisation]
    agreements: tuple[Agreement, ...]

    @model_validator(mode="after")
    def _consistent(self) -> "District":
        import re

        for org_id, org in self.organisations.items():
            if not re.fullmatch(ORG_PATTERN, org_id):
                raise ValueError(f"organisation id {org_id!r} must be kommune-<code>, politi-<district> or "
                                 "netvaerk-<district>")
            unknown = [code for code in org.municipalities if not is_municipality(code)]
            if unknown:
                raise ValueError(f"{org_id}: unknown municipality codes {unknown}")
        names = {*self.organisations, *(kind.value for kind in OrgKind)}
        for agreement in self.agreements:
            for end in (agreement.sender, agreement.recipient):
                if end not in names:
                    raise ValueError(f"agreement {agreement.type}: {end!r} is neither an organisation nor a kind")
        return self

    def kind_of(self, org: str) -> OrgKind | None:
        found = self.organisations.get(org)
        return found.kind if found else None

    def org_of_kind(self, kind: OrgKind) -> str | None:
        """The district's one organisation of ``kind`` (its police, its network)."""
        return next((org for org, found in self.organisations.items() if found.kind is kind), None)

    def org_serving(self, municipality_code: str) -> str | None:
        """The municipality instance that serves ``municipality_code``."""
        return next((org for org, found in self.organisations.items()
                     if found.kind is OrgKind.MUNICIPALITY and municipality_code in found.municipalities), None)

    def _matches(self, end: str, org: str) -> bool:
        return end == org or end == (self.kind_of(org) or "")

    def agreement(self, message_type: str, sender: str, recipient: str) -> Agreement | None:
        """The agreement under which ``message_type`` may go from ``sender`` to ``recipient``, if any."""
        if sender == recipient or sender not in self.organisations or recipient not in self.organisations:
            return None
        return next((a for a in self.agreements if a.type == message_type and self._matches(a.sender, sender)
                     and self._matches(a.recipient, recipient)), None)

    def links(self) -> list[tuple[str, str]]:
        """Every (sender, recipient) with at least one agreement: the district's link topics."""
        return sorted({(s, r) for s in self.organisations for r in self.organisations
                       if s != r and any(self._matches(a.sender, s) and self._matches(a.recipient, r)
                                         for a in self.agreements)})

    def senders_to(self, recipient: str) -> list[str]:
        return [s for s, r in self.links() if r == recipient]

    def signing_key(self, org: str, kid: str) -> SigningKey | None:
        found = self.organisations.get(org)
        return next((k for k in found.signing_keys if k.kid == kid), None) if found else None


def load_district(path: Path) -> District:
    return District.model_validate(json.loads(Path(path).read_text("utf-8")))
