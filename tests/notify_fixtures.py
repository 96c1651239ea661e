"""What the notify tests run beside the stack: a real SMTP server (aiosmtpd), a webhook receiver that
verifies signatures like a partner would, and the notify settings that point the stack at them."""

import base64
import json
import os
import socket
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from email import message_from_bytes, policy
from email.message import EmailMessage
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from aiosmtpd.controller import Controller

from infohus_notify.webhooks import ReplayCache, WebhookRejected, verify

WEBHOOK_SECRET = "test-partner-secret-0123456789"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class SmtpSink:
    """aiosmtpd handler: keeps every message that arrived, parsed."""

    def __init__(self) -> None:
        self.messages: list[EmailMessage] = []
        self._lock = threading.Lock()

    async def handle_DATA(self, server, session, envelope) -> str:
        parsed = message_from_bytes(envelope.content, policy=policy.default)
        parsed["X-Envelope-To"] = ", ".join(envelope.rcpt_tos)
        with self._lock:
            self.messages.append(parsed)  # type: ignore[arg-type]
        return "250 OK"

    def to(self, address: str) -> list[EmailMessage]:
        with self._lock:
            return [m for m in self.messages if address in m["X-Envelope-To"]]


@dataclass
class WebhookReceiver:
    """A partner's endpoint. ``/ok`` verifies and accepts, ``/fail`` always answers 500."""

    port: int
    received: list[dict] = field(default_factory=list)
    rejected: list[str] = field(default_factory=list)
    replay_cache: ReplayCache = field(default_factory=ReplayCache)
    server: ThreadingHTTPServer | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> None:
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
                headers = {k: v for k, v in self.headers.items()}
                record = {"path": self.path, "headers": headers, "body": body}
                if self.path.startswith("/fail"):
                    receiver.received.append(record | {"status": 500})
                    self.send_response(500)
                    self.end_headers()
                    return
                try:
                    verify(WEBHOOK_SECRET, headers, body, replay_cache=receiver.replay_cache)
                except WebhookRejected as exc:
                    receiver.rejected.append(str(exc))
                    self.send_response(401)
                    self.end_headers()
                    return
                receiver.received.append(record | {"status": 204})
                self.send_response(204)
                self.end_headers()

            def log_message(self, *args) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", self.port), Handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def stop(self) -> None:
        if self.server is not None:
            self.server.shutdown()
            self.server.server_close()


@pytest.fixture(scope="session")
def smtp_sink() -> Iterator[SmtpSink]:
    sink = SmtpSink()
    controller = Controller(sink, hostname="127.0.0.1", port=free_port())
    controller.start()
    sink.port = controller.port  # type: ignore[attr-defined]
    yield sink
    controller.stop()


@pytest.fixture(scope="session")
def webhook_receiver() -> Iterator[WebhookReceiver]:
    receiver = WebhookReceiver(free_port())
    receiver.start()
    yield receiver
    receiver.stop()


@dataclass
class NotifySetup:
    env: dict[str, str]
    digital_post_dir: Path
    addressing_key: bytes
    partners: dict[str, str]  # role -> partner id


@pytest.fixture(scope="session")
def notify_setup(smtp_sink: SmtpSink, webhook_receiver: WebhookReceiver, run_id: str,
                 tmp_path_factory: pytest.TempPathFactory) -> NotifySetup:
    """Settings for the notify process of the test stack: SMTP, Digital Post, staff, partners, fast retries."""
    base = tmp_path_factory.mktemp("notify")
    key = os.urandom(32)
    partners = {"ok": f"{run_id}-ok", "broken": f"{run_id}-broken", "kafka": f"{run_id}-kafka"}
    event_types = ["dk.infohus.network.aggregate.v1", "dk.infohus.notify.requested.v1"]
    (base / "partners.json").write_text(json.dumps({"partners": [
        {"id": partners["ok"], "event_types": event_types,
         "webhook": {"url": f"{webhook_receiver.url}/ok", "secret_env": "TEST_PARTNER_SECRET"}},
        {"id": partners["broken"], "event_types": event_types,
         "webhook": {"url": f"{webhook_receiver.url}/fail", "secret_env": "TEST_PARTNER_SECRET"}},
        {"id": partners["kafka"], "event_types": event_types, "kafka": True},
    ]}))
    (base / "staff.json").write_text(json.dumps({"users": [
        {"user_id": "u-ssp-820", "roles": ["ssp_coordinator"], "municipality_code": "820",
         "email": "ssp.820@kommune.test"},
        {"user_id": "u-lead-820", "roles": ["leadership"], "municipality_code": "820",
         "email": "ledelse.820@kommune.test"},
        {"user_id": "u-reg-820", "roles": ["registration_coordinator"], "municipality_code": "820",
         "email": "registrering.820@kommune.test"},
    ]}))
    env = {
        "SMTP_HOST": "127.0.0.1",
        "SMTP_PORT": str(smtp_sink.port),  # type: ignore[attr-defined]
        "DIGITAL_POST_DIR": str(base / "digital-post"),
        "INFOHUS_ADDRESSING_KEY": base64.urlsafe_b64encode(key).decode(),
        "NOTIFY_STAFF_DIRECTORY": str(base / "staff.json"),
        "NOTIFY_PARTNERS_FILE": str(base / "partners.json"),
        "TEST_PARTNER_SECRET": WEBHOOK_SECRET,
        "NOTIFY_MAX_ATTEMPTS": "3",
        "NOTIFY_BACKOFF_SECONDS": "0.2",
        "NOTIFY_BACKOFF_MAX_SECONDS": "1",
        "NOTIFY_DISPATCH_POLL_SECONDS": "0.3",
        # What a SIGKILLed notify had leased is sent once the lease runs out (test_faults kills notify).
        "NOTIFY_LEASE_SECONDS": "30",
        "HONOUR_REVIEW_DAYS": "0",
    }
    return NotifySetup(env, base / "digital-post", key, partners)
