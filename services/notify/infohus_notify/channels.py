"""The ways a message leaves notify: SMTP, Digital Post (adapter; file drop by default), webhooks, Kafka.

Every channel raises ``ChannelError`` for a failed attempt, with a reason that names no person.
Each message carries its delivery id (Message-ID, file name, ``X-Infohus-Delivery``, ``ce_id``), so a
receiver can recognise the one resend that a crash between sending and recording can cause.
"""

import json
import os
import tempfile
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.message import EmailMessage
from email.utils import make_msgid
from pathlib import Path
from typing import Any, Protocol

import aiosmtplib
import httpx

from .rendering import RenderedMessage
from .settings import NotifySettings
from .webhooks import DELIVERY_HEADER, EVENT_TYPE_HEADER, signed_headers


class ChannelError(Exception):
    """One attempt failed; the delivery may be retried."""


# ---------------------------------------------------------------------------
# E-mail
# ---------------------------------------------------------------------------


class EmailChannel:
    def __init__(self, settings: NotifySettings) -> None:
        self.settings = settings

    def build(self, delivery_id: str, to: str, message: RenderedMessage) -> EmailMessage:
        mail = EmailMessage()
        mail["From"] = self.settings.mail_from
        mail["To"] = to
        mail["Subject"] = message.subject
        mail["Message-ID"] = make_msgid(idstring=delivery_id.replace("-", ""), domain="infohus")
        mail["X-Infohus-Delivery"] = delivery_id
        mail.set_content(message.text)
        mail.add_alternative(message.html, subtype="html")
        return mail

    async def send(self, delivery_id: str, to: str, message: RenderedMessage) -> None:
        s = self.settings
        try:
            await aiosmtplib.send(
                self.build(delivery_id, to, message),
                hostname=s.smtp_host, port=s.smtp_port, username=s.smtp_username,
                password=s.smtp_password.get_secret_value() if s.smtp_password else None,
                start_tls=s.smtp_starttls, use_tls=s.smtp_use_tls, timeout=s.smtp_timeout_seconds,
            )
        except (aiosmtplib.SMTPException, OSError, TimeoutError) as exc:
            raise ChannelError(f"smtp: {type(exc).__name__}") from None


# ---------------------------------------------------------------------------
# Digital Post
# ---------------------------------------------------------------------------


@dataclass(frozen=True)
class DigitalPostLetter:
    delivery_id: str
    cpr: str
    sender: str  # the controller (org id)
    sender_name: str
    kind: str
    message: RenderedMessage


class DigitalPostAdapter(Protocol):
    """The boundary to the Digital Post provider: one letter, by CPR; returns the provider's reference."""

    async def send(self, letter: DigitalPostLetter) -> str: ...


class FileDropDigitalPost:
    """The default adapter: ``<dir>/<delivery id>.html`` (the letter) and ``<dir>/<delivery id>.json``
    (the envelope: recipient CPR, sender, subject, file name). The envelope appears last, so a
    pick-up job that waits for ``*.json`` never sees half a letter. Sending the same delivery again
    replaces the files: one letter per delivery."""

    def __init__(self, directory: Path) -> None:
        self.directory = Path(directory)

    async def send(self, letter: DigitalPostLetter) -> str:
        try:
            self.directory.mkdir(parents=True, exist_ok=True)
            html_name = f"{letter.delivery_id}.html"
            _atomic_write(self.directory / html_name, letter.message.html.encode("utf-8"))
            envelope = {
                "delivery_id": letter.delivery_id,
                "recipient": {"type": "cpr", "id": letter.cpr},
                "sender": {"org": letter.sender, "name": letter.sender_name},
                "kind": letter.kind,
                "subject": letter.message.subject,
                "document": {"file": html_name, "content_type": "text/html; charset=utf-8"},
                "created_at": datetime.now(UTC).isoformat(),
            }
            _atomic_write(self.directory / f"{letter.delivery_id}.json",
                          json.dumps(envelope, ensure_ascii=False, indent=2).encode("utf-8"))
        except OSError as exc:
            raise ChannelError(f"digital post file drop: {type(exc).__name__}") from None
        return f"file:{letter.delivery_id}"


def _atomic_write(path: Path, data: bytes) -> None:
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-", suffix=path.suffix)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
        os.chmod(tmp, 0o600)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


# ---------------------------------------------------------------------------
# Webhooks
# ---------------------------------------------------------------------------


class WebhookChannel:
    def __init__(self, timeout: float) -> None:
        self.timeout = timeout
        self._client: httpx.AsyncClient | None = None

    async def start(self) -> None:
        self._client = httpx.AsyncClient(timeout=self.timeout, follow_redirects=False)

    async def close(self) -> None:
        if self._client is not None:
            await self._client.aclose()

    async def post(self, url: str, secret: str, body: bytes, *, delivery_id: str, event_type: str,
                   content_type: str = "application/cloudevents+json") -> None:
        if self._client is None:
            await self.start()
        assert self._client is not None
        headers = signed_headers(secret, body) | {
            "Content-Type": content_type, DELIVERY_HEADER: delivery_id, EVENT_TYPE_HEADER: event_type,
        }
        try:
            response = await self._client.post(url, content=body, headers=headers)
        except httpx.HTTPError as exc:
            raise ChannelError(f"webhook: {type(exc).__name__}") from None
        if not 200 <= response.status_code < 300:
            raise ChannelError(f"webhook: HTTP {response.status_code}")


def cloudevent_json(headers: dict[str, str], body: dict[str, Any]) -> bytes:
    """CloudEvents structured mode (JSON) from binary-mode Kafka headers and the event's data."""
    event = {
        "specversion": headers.get("ce_specversion", "1.0"),
        "id": headers.get("ce_id"),
        "source": headers.get("ce_source"),
        "type": headers.get("ce_type"),
        "time": headers.get("ce_time"),
        "datacontenttype": "application/json",
        "data": body,
    }
    return json.dumps({k: v for k, v in event.items() if v is not None}, ensure_ascii=False,
                      separators=(",", ":")).encode("utf-8")



# ---------------------------------------------------------------------------
# All of them, as the deliveries use them
# ---------------------------------------------------------------------------


class EmailSender(Protocol):
    async def send(self, delivery_id: str, to: str, message: RenderedMessage) -> None: ...


class WebhookPoster(Protocol):
    async def start(self) -> None: ...

    async def close(self) -> None: ...

    async def post(self, url: str, secret: str, body: bytes, *, delivery_id: str, event_type: str,
                   content_type: str = "application/cloudevents+json") -> None: ...


class PartnerPublisher(Protocol):
    """A partner's own Kafka topic (FastStream's publisher)."""

    async def publish(self, message: bytes, *, key: bytes, headers: dict[str, str]) -> Any: ...


@dataclass
class Channels:
    """The ways out, built once at start: SMTP, Digital Post, webhooks and one publisher per partner topic."""

    email: EmailSender
    digital_post: DigitalPostAdapter
    webhooks: WebhookPoster
    partner_publishers: dict[str, PartnerPublisher] = field(default_factory=dict)
