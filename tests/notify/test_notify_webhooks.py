"""Webhook signatures: a partner accepts a fresh, authentic delivery once, and nothing else."""

import pytest

from infohus_notify.webhooks import ReplayCache, WebhookRejected, signature, signed_headers, verify

SECRET = "partner-secret-0123456789"
BODY = b'{"type":"dk.infohus.network.aggregate.v1","data":{"count":7}}'
NOW = 1_790_000_000.0


def test_a_signed_delivery_is_accepted():
    headers = signed_headers(SECRET, BODY, now=NOW)
    assert headers["X-Infohus-Signature"] == signature(SECRET, headers["X-Infohus-Timestamp"], BODY)
    verify(SECRET, headers, BODY, replay_cache=ReplayCache(), now=NOW + 2)


def test_a_replayed_delivery_is_rejected():
    cache = ReplayCache()
    headers = signed_headers(SECRET, BODY, now=NOW)
    verify(SECRET, headers, BODY, replay_cache=cache, now=NOW)
    with pytest.raises(WebhookRejected, match="replayed"):
        verify(SECRET, headers, BODY, replay_cache=cache, now=NOW + 10)
    # Later than the skew window the timestamp alone refuses it, even after the cache forgot it.
    with pytest.raises(WebhookRejected, match="skew"):
        verify(SECRET, headers, BODY, replay_cache=ReplayCache(), now=NOW + 301)


@pytest.mark.parametrize("change", ["body", "timestamp", "secret", "missing"])
def test_anything_changed_is_rejected(change):
    headers = signed_headers(SECRET, BODY, now=NOW)
    body, secret = BODY, SECRET
    if change == "body":
        body = BODY.replace(b"7", b"8")
    elif change == "timestamp":
        headers["X-Infohus-Timestamp"] = str(int(NOW) + 1)
    elif change == "secret":
        secret = "another-secret-0123456789"
    else:
        del headers["X-Infohus-Signature"]
    with pytest.raises(WebhookRejected):
        verify(secret, headers, body, replay_cache=ReplayCache(), now=NOW)


def test_header_names_are_case_insensitive():
    headers = {k.lower(): v for k, v in signed_headers(SECRET, BODY, now=NOW).items()}
    cache = ReplayCache()
    assert verify(SECRET, headers, BODY, replay_cache=cache, now=NOW) is None  # accepted
    # Accepted means read: the lower-case signature header was found and recorded against replays.
    assert cache.seen_before(headers["x-infohus-signature"], NOW)
