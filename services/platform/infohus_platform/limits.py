"""Bounds on what a client may make a service do: the size of a request body, the rate of a request.

``BodyLimit`` counts the body's bytes while it streams in (a ``Content-Length`` that is too large is
refused before anything is read; a chunked body without one is cut off as soon as it passes the
limit). ``RateLimiter`` is a token bucket per client; ``client_address`` says who the client is;
``plain_parameters`` refuses control characters in parameters.
"""

import time
from collections import OrderedDict
from collections.abc import Callable

from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from infohus_contracts.base.text import refuse_control_characters
from infohus_platform.errors import RuleViolation

TOO_LARGE_DETAIL = "the request body is too large"


class RequestTooLarge(HTTPException):
    """The body passed the limit. An ``HTTPException``, so the framework answers 413 (never 400)."""

    def __init__(self, limit: int) -> None:
        super().__init__(413, f"{TOO_LARGE_DETAIL} (at most {limit} bytes)")
        self.limit = limit


class BodyLimit:
    """Refuses a request body larger than ``limit_for(scope)`` bytes with 413 (pure ASGI).

    The limit is asked for when the application first reads the body, after routing, so it may
    depend on the route (``scope["route"]``). ``page`` gives the answer's content type and body
    for when the refusal reaches this middleware rather than the application's error handler.
    """

    def __init__(self, app: ASGIApp, *, limit_for: Callable[[Scope], int],
                 page: Callable[[int], tuple[bytes, bytes]]) -> None:
        self.app = app
        self.limit_for = limit_for
        self.page = page

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        received = 0
        limit: int | None = None
        response_started = False

        async def limited_receive() -> Message:
            nonlocal received, limit
            if limit is None:
                limit = self.limit_for(scope)
                declared = dict(scope.get("headers") or []).get(b"content-length", b"")
                if declared.isdigit() and int(declared) > limit:
                    raise RequestTooLarge(limit)
            if received > limit:  # the application asks again after a refusal: nothing more is read
                raise RequestTooLarge(limit)
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    raise RequestTooLarge(limit)
            return message

        async def tracking_send(message: Message) -> None:
            nonlocal response_started
            if message["type"] == "http.response.start":
                response_started = True
            await send(message)

        try:
            await self.app(scope, limited_receive, tracking_send)
        except RequestTooLarge as exc:
            if response_started:
                raise
            content_type, body = self.page(exc.limit)
            await send({"type": "http.response.start", "status": 413,
                        "headers": [(b"content-type", content_type), (b"content-length", str(len(body)).encode()),
                                    (b"connection", b"close")]})
            await send({"type": "http.response.body", "body": body})


def plain_parameters(request: Request) -> None:
    """No control characters in a path or query parameter (a NUL cannot even reach PostgreSQL): a 422 that
    names the parameter, as the contracts refuse them in a body. Every route's dependency (``build_app``)."""
    for name, value in [*request.path_params.items(), *request.query_params.multi_items()]:
        try:
            refuse_control_characters(str(value))
        except ValueError as refused:
            raise RuleViolation(name[:200], str(refused), "value_error") from None


def client_address(scope: Scope, trusted_header: str | None = None) -> str:
    """The client's address: the peer, or — only when a trusted proxy's header is configured — the
    address that proxy saw (the last entry of e.g. ``X-Forwarded-For``, the one the proxy added)."""
    if trusted_header:
        raw = dict(scope.get("headers") or []).get(trusted_header.lower().encode("latin-1"), b"")
        forwarded = raw.decode("latin-1").split(",")[-1].strip()
        if forwarded:
            return forwarded[:64]
    client = scope.get("client")
    return str(client[0]) if client else "unknown"


class RateLimiter:
    """A token bucket per key: ``burst`` requests at once, refilled at ``per_minute``.

    At most ``max_keys`` keys are remembered (the least recently seen is forgotten first), so a
    flood from many addresses cannot make it grow without bound.
    """

    def __init__(self, per_minute: float, burst: int, *, max_keys: int = 10_000,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.rate = per_minute / 60.0
        self.burst = float(burst)
        self.max_keys = max_keys
        self.clock = clock
        self._buckets: OrderedDict[str, tuple[float, float]] = OrderedDict()  # key -> (tokens, at)

    def allow(self, key: str) -> bool:
        now = self.clock()
        tokens, at = self._buckets.pop(key, (self.burst, now))
        tokens = min(self.burst, tokens + (now - at) * self.rate)
        allowed = tokens >= 1.0
        self._buckets[key] = (tokens - 1.0 if allowed else tokens, now)
        while len(self._buckets) > self.max_keys:
            self._buckets.popitem(last=False)
        return allowed

    def retry_after(self, key: str) -> int:
        """Whole seconds until ``key`` may try again."""
        tokens, _ = self._buckets.get(key, (self.burst, 0.0))
        return max(1, int((1.0 - tokens) / self.rate) + 1) if self.rate > 0 else 60
