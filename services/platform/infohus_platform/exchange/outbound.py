"""The one way to send another organisation a message: stage it in the outbox, in the caller's transaction."""

from uuid import uuid4

from pydantic import BaseModel
from sqlmodel.ext.asyncio.session import AsyncSession

from infohus_contracts.base.cloudevents import CloudEventAttributes
from infohus_contracts.base.district import link_topic
from infohus_contracts.base.exchange import RECIPIENT_HEADER, SENDER_HEADER, ExchangeType
from infohus_platform import correlation
from infohus_platform.errors import RuleViolation
from infohus_platform.messaging.outbox import OutboxMessage, Share, utcnow
from infohus_platform.settings import ServiceSettings


def stage_exchange(
    session: AsyncSession,
    settings: ServiceSettings,
    *,
    recipient_org: str,
    message: ExchangeType,
    body: BaseModel,
    key: str,
    share: Share,
    subject: str | None = None,
) -> OutboxMessage:
    """Add a message for ``recipient_org`` to the outbox; the relay asks OPA about the share to that organisation,
    signs it and sends it on their link. ``subject`` is the local concern (for the processing log; it stays home)."""
    district = settings.district()
    if district is None or settings.exchange_bootstrap_servers is None:
        raise RuleViolation("recipient_org", "denne instans er ikke med i et distrikt og kan ikke sende til andre "
                                             "organisationer")
    if district.agreement(message.type, settings.infohus_org, recipient_org) is None:
        raise RuleViolation("recipient_org", f"der er ingen aftale om at sende {message.type} fra "
                                             f"{settings.infohus_org} til {recipient_org}")
    attributes = CloudEventAttributes(id=str(uuid4()), source=settings.source, type=message.type, time=utcnow(),
                                      subject=subject)
    headers = attributes.to_headers() | {correlation.HEADER: correlation.current(),
                                         SENDER_HEADER: settings.infohus_org, RECIPIENT_HEADER: recipient_org}
    row = OutboxMessage(
        event_id=attributes.id, topic=link_topic(settings.infohus_org, recipient_org), key=key, headers=headers,
        body=body.model_dump_json(),
        share={k: v for k, v in share.__dict__.items() if v is not None}
        | {"data_classes": list(share.data_classes), "recipient_org": recipient_org, "message_type": message.type},
    )
    session.add(row)
    return row
