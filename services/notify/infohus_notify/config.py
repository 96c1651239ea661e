"""Notify's configuration as data: the staff directory and the partner subscriptions (JSON files).

Partner file (``NOTIFY_PARTNERS_FILE``)::

    {"partners": [
      {"id": "sbsys", "event_types": ["dk.infohus.network.aggregate.v1"],
       "webhook": {"url": "https://partner.example/hooks/infohus", "secret_env": "PARTNER_SBSYS_SECRET"},
       "kafka": true}
    ]}

``kafka: true`` gives the partner its own topic ``infohus.partner.<id>.v1``, read by its own Kafka
principal ``User:partner-<id>`` (ACLs: ``python -m infohus_tools.kafka_acls``). What a partner actually
receives is decided per event by OPA (``partner_subscriptions`` in policy data, recipient kind ``partner_system``):
the file says where to deliver, policy says whether.

Staff directory (``NOTIFY_STAFF_DIRECTORY``)::

    {"users": [{"user_id": "u-ssp-820", "roles": ["ssp_coordinator"], "municipality_code": "820",
                "email": "ssp@kommune.example", "webhook_url": null}]}
"""

import json
import os
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from infohus_contracts.base.topics import PARTNER_TOPIC_TEMPLATE, partner_topic

from .domain import StaffMember

__all__ = ["PARTNER_TOPIC_TEMPLATE", "ConfigError", "Partner", "load_partners", "load_staff"]
_PARTNER_ID = re.compile(r"^[a-z0-9][a-z0-9-]{0,40}$")


class ConfigError(ValueError):
    pass


@dataclass(frozen=True)
class Partner:
    id: str
    event_types: tuple[str, ...]
    webhook_url: str | None = None
    webhook_secret: str | None = None
    kafka: bool = False

    @property
    def topic(self) -> str:
        """The partner's own topic (before the deployment's topic prefix)."""
        return partner_topic(self.id)

    @property
    def principal(self) -> str:
        return f"User:partner-{self.id}"

    def public(self) -> dict[str, Any]:
        """What the API shows: never the secret."""
        return {"id": self.id, "event_types": list(self.event_types), "webhook": self.webhook_url is not None,
                "kafka_topic": self.topic if self.kafka else None}


def load_partners(path: Path | None) -> list[Partner]:
    if path is None:
        return []
    data = json.loads(Path(path).read_text("utf-8"))
    partners = []
    for entry in data.get("partners", []):
        partner_id = entry.get("id", "")
        if not _PARTNER_ID.match(partner_id):
            raise ConfigError(f"partner id {partner_id!r} must match {_PARTNER_ID.pattern}")
        webhook = entry.get("webhook") or {}
        secret = None
        if webhook:
            if webhook.get("secret_env"):
                secret = os.environ.get(webhook["secret_env"])
                if not secret:
                    raise ConfigError(f"partner {partner_id}: environment variable {webhook['secret_env']} is not set")
            else:
                secret = webhook.get("secret")
            if not webhook.get("url") or not secret or len(secret) < 16:
                raise ConfigError(f"partner {partner_id}: a webhook needs a url and a secret of 16+ characters")
        partners.append(Partner(
            id=partner_id, event_types=tuple(entry.get("event_types", [])), webhook_url=webhook.get("url"),
            webhook_secret=secret, kafka=bool(entry.get("kafka", False)),
        ))
    if len({p.id for p in partners}) != len(partners):
        raise ConfigError("partner ids must be unique")
    return partners


def load_staff(path: Path | None) -> list[StaffMember]:
    if path is None:
        return []
    data = json.loads(Path(path).read_text("utf-8"))
    return [
        StaffMember(user_id=u["user_id"], roles=tuple(u.get("roles", [])), email=u.get("email"),
                    municipality_code=u.get("municipality_code"), webhook_url=u.get("webhook_url"))
        for u in data.get("users", [])
    ]
