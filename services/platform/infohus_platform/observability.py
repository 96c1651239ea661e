"""Logs and metrics. Labels and log fields carry ids and route templates, never personal data."""

import logging
import sys
import time
from collections.abc import Callable, Sequence
from typing import Any

import structlog
from prometheus_client import CollectorRegistry, Counter, Histogram
from starlette.types import ASGIApp, Receive, Scope, Send

from infohus_platform import correlation


def configure_logging(service: str, level: str = "INFO") -> None:
    logging.basicConfig(stream=sys.stdout, level=level.upper(), format="%(message)s", force=True)
    for noisy in ("aiokafka", "uvicorn.access"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
    for handler in logging.getLogger().handlers:
        handler.addFilter(RepeatLimit("aiokafka"))
    structlog.configure(
        processors=[
            structlog.contextvars.merge_contextvars,
            structlog.processors.add_log_level,
            structlog.processors.TimeStamper(fmt="iso", utc=True),
            structlog.processors.EventRenamer("message"),
            structlog.processors.JSONRenderer(),
        ],
        wrapper_class=structlog.make_filtering_bound_logger(logging.getLevelName(level.upper())),
        logger_factory=structlog.PrintLoggerFactory(),
        cache_logger_on_first_use=True,
    )
    structlog.contextvars.bind_contextvars(service=service)


class RepeatLimit(logging.Filter):
    """Lets through at most one record per logger and message every ``interval`` seconds from the loggers
    under ``prefix``; the next one that passes says how many were held back. While a broker is away aiokafka
    logs every failed connect, fetch and metadata request: tens of thousands of lines a service, now a few
    lines a minute."""

    def __init__(self, prefix: str, interval: float = 30.0, max_keys: int = 1000) -> None:
        super().__init__()
        self.prefix = prefix
        self.interval = interval
        self.max_keys = max_keys
        self.seen: dict[tuple[str, str], tuple[float, int]] = {}  # (logger, message) -> (last passed, held)

    def filter(self, record: logging.LogRecord) -> bool:
        if not record.name.startswith(self.prefix):
            return True
        key = (record.name, str(record.msg))
        now = time.monotonic()
        passed, held = self.seen.get(key, (float("-inf"), 0))
        if now - passed < self.interval:
            self.seen[key] = (passed, held + 1)
            return False
        if len(self.seen) >= self.max_keys:  # messages with ids in them: forget, rather than grow
            self.seen.clear()
        self.seen[key] = (now, 0)
        if held:
            record.msg = f"{record.msg} [{held} more like this in the last {now - passed:.0f}s]"
        return True


class MetricRegistry:
    """One registry per app, so several apps can live in one test process.

    ``counter`` and ``histogram`` are the one way to declare a metric, the platform's and a service's own.
    Labels are ids, route templates, kinds and outcomes: never personal data.
    """

    def __init__(self) -> None:
        self.registry = CollectorRegistry()

    def counter(self, name: str, documentation: str, labels: Sequence[str] = ()) -> Counter:
        return Counter(name, documentation, list(labels), registry=self.registry)

    def histogram(self, name: str, documentation: str, labels: Sequence[str] = (), **kwargs: Any) -> Histogram:
        return Histogram(name, documentation, list(labels), registry=self.registry, **kwargs)


class Metrics(MetricRegistry):
    """What every service measures: HTTP, shares, OPA outages, dead letters, retries, quarantine."""

    def __init__(self) -> None:
        super().__init__()
        self.http_requests = self.counter("infohus_http_requests_total", "HTTP requests", ["route", "method", "status"])
        self.http_latency = self.histogram("infohus_http_request_seconds", "HTTP request latency", ["route", "method"])
        self.shares = self.counter("infohus_outbox_shares_total", "Outbox events by policy outcome",
                                   ["topic", "outcome"])
        self.policy_unavailable = self.counter("infohus_policy_unavailable_total",
                                               "Times OPA could not be asked (nothing left)")
        self.dead_letters = self.counter("infohus_dead_letters_total", "Events sent to a dead-letter topic",
                                         ["topic", "reason"])
        self.redeliveries = self.counter("infohus_event_retries_total",
                                         "Event handling failures that will be retried", ["topic"])
        self.quarantined = self.counter("infohus_quarantined_total", "Inbound events refused by a strict schema",
                                        ["topic"])
        self.exchange_accepted = self.counter("infohus_exchange_accepted_total",
                                              "Messages accepted from another organisation", ["sender", "type"])
        self.exchange_refused = self.counter("infohus_exchange_refused_total",
                                             "Messages from another organisation refused (never their body)",
                                             ["sender", "reason"])


Headers = list[tuple[bytes, bytes]]


class HttpMiddleware:
    """Correlation id, request metrics and a traceback-free 500 for every HTTP request (pure ASGI).

    ``error_page`` is the 500's content type and body (a problem for the services, a Danish page for the web
    gateway, which adds its page headers too).
    """

    def __init__(
        self,
        app: ASGIApp,
        *,
        requests: Counter,
        latency: Histogram,
        error_page: tuple[bytes, bytes],
        extra_headers: Callable[[Scope, float], Headers] | None = None,
        measured: Callable[[str], bool] = lambda path: True,
    ) -> None:
        self.app = app
        self.requests, self.latency = requests, latency  # labelled (route, method, status) and (route, method)
        self.error_page = error_page
        self.extra_headers = extra_headers
        self.measured = measured

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = dict(scope.get("headers") or [])
        correlation.bind(correlation.sanitize(headers.get(b"x-correlation-id", b"").decode("latin-1")))
        started = time.perf_counter()
        status = 500
        response_started = False

        async def send_wrapper(message) -> None:
            nonlocal status, response_started
            if message["type"] == "http.response.start":
                status = message["status"]
                response_started = True
                added = [(b"x-correlation-id", correlation.current().encode())]
                if self.extra_headers is not None:
                    added += self.extra_headers(scope, (time.perf_counter() - started) * 1000)
                message.setdefault("headers", []).extend(added)
            await send(message)

        try:
            await self.app(scope, receive, send_wrapper)
        except Exception as exc:
            # Never let a traceback reach a log: its frames and SQL parameters may hold personal data.
            structlog.get_logger(__name__).error("unhandled error", error=type(exc).__name__,
                                                 route=getattr(scope.get("route"), "path", "unmatched"))
            if not response_started:
                content_type, body = self.error_page
                await send_wrapper({"type": "http.response.start", "status": 500,
                                    "headers": [(b"content-type", content_type),
                                                (b"content-length", str(len(body)).encode())]})
                await send({"type": "http.response.body", "body": body})
        finally:
            if self.measured(scope.get("path", "")):
                route = getattr(scope.get("route"), "path", "unmatched")
                self.requests.labels(route, scope["method"], str(status)).inc()
                self.latency.labels(route, scope["method"]).observe(time.perf_counter() - started)
