"""Signed webhooks: how notify signs a delivery, and the verifier a receiving partner runs.

    X-Infohus-Timestamp: <unix seconds>
    X-Infohus-Signature: sha256=<hex HMAC-SHA256(secret, "<timestamp>.<raw body>")>

A receiver checks the signature over the exact bytes it received, refuses a timestamp more than
``max_skew`` away from its own clock, and refuses a signature it has already seen (replay). This
module has no dependency on the rest of notify, so a partner can copy it as it is.
"""

import hashlib
import hmac
import threading
import time
from collections.abc import Mapping

TIMESTAMP_HEADER = "X-Infohus-Timestamp"
SIGNATURE_HEADER = "X-Infohus-Signature"
DELIVERY_HEADER = "X-Infohus-Delivery"
EVENT_TYPE_HEADER = "X-Infohus-Event-Type"
DEFAULT_MAX_SKEW = 300.0


class WebhookRejected(Exception):
    """The request is not a fresh, authentic delivery. The message says why (never the body)."""


def signature(secret: str | bytes, timestamp: str, body: bytes) -> str:
    key = secret.encode() if isinstance(secret, str) else secret
    digest = hmac.new(key, timestamp.encode() + b"." + body, hashlib.sha256).hexdigest()
    return f"sha256={digest}"


def signed_headers(secret: str | bytes, body: bytes, now: float | None = None) -> dict[str, str]:
    timestamp = str(int(now if now is not None else time.time()))
    return {TIMESTAMP_HEADER: timestamp, SIGNATURE_HEADER: signature(secret, timestamp, body)}


class ReplayCache:
    """Signatures seen within the skew window; thread-safe, forgets what is too old to be accepted anyway."""

    def __init__(self, ttl: float = 2 * DEFAULT_MAX_SKEW, max_entries: int = 100_000) -> None:
        self.ttl = ttl
        self.max_entries = max_entries
        self._seen: dict[str, float] = {}
        self._lock = threading.Lock()

    def seen_before(self, key: str, now: float) -> bool:
        """True when ``key`` was seen before; records it otherwise."""
        with self._lock:
            if len(self._seen) >= self.max_entries:
                self._forget(now)
            if key in self._seen and now - self._seen[key] < self.ttl:
                return True
            self._seen[key] = now
            return False

    def _forget(self, now: float) -> None:
        for key, at in list(self._seen.items()):
            if now - at >= self.ttl:
                del self._seen[key]
        while len(self._seen) >= self.max_entries:
            self._seen.pop(next(iter(self._seen)))


def _header(headers: Mapping[str, str], name: str) -> str | None:
    for key, value in headers.items():
        if key.lower() == name.lower():
            return value
    return None


def verify(
    secret: str | bytes,
    headers: Mapping[str, str],
    body: bytes,
    *,
    replay_cache: ReplayCache,
    max_skew: float = DEFAULT_MAX_SKEW,
    now: float | None = None,
) -> None:
    """Accept (return) or raise ``WebhookRejected``. Checks, in order: headers, age, signature, replay."""
    now = time.time() if now is None else now
    timestamp = _header(headers, TIMESTAMP_HEADER)
    given = _header(headers, SIGNATURE_HEADER)
    if not timestamp or not given:
        raise WebhookRejected("missing timestamp or signature header")
    try:
        sent_at = int(timestamp)
    except ValueError:
        raise WebhookRejected("timestamp is not a whole number of seconds") from None
    if abs(now - sent_at) > max_skew:
        raise WebhookRejected(f"timestamp outside the allowed skew of {max_skew:.0f}s (stale or replayed)")
    if not hmac.compare_digest(signature(secret, timestamp, body), given):
        raise WebhookRejected("signature does not match the body")
    if replay_cache.seen_before(given, now):
        raise WebhookRejected("signature already seen: replayed request")
