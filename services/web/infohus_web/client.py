"""Calls to the five services' APIs with the signed-in user's bearer token.

The gateway decides nothing about access: each service verifies the token and asks OPA. The
answer comes back as an ``ApiResult`` whose status the pages turn into Danish.
"""

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import httpx

from infohus_platform import correlation
from infohus_platform.observability import MetricRegistry

from .messages import field_errors, refusal_reasons
from .settings import SERVICE_NAMES, WebSettings


class SignedOut(Exception):
    """The service refused the token (401): expired or not valid; the user signs in again."""


@dataclass
class Failure:
    """Why a posted form did not go through, for the page that shows it again: the service's field
    errors (422), the policy's reasons (403) or a Danish sentence for anything else."""

    status: int
    errors: dict[str, str] = field(default_factory=dict)
    reasons: list[str] = field(default_factory=list)
    problem: str | None = None


@dataclass
class ApiResult:
    status: int
    body: Any = None
    unavailable: bool = False
    headers: dict[str, str] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return 200 <= self.status < 300

    @property
    def refused(self) -> bool:
        return self.status == 403

    @property
    def invalid(self) -> bool:
        return self.status == 422

    @property
    def reasons(self) -> list[str]:
        return refusal_reasons(self.body)

    @property
    def failure_status(self) -> int:
        """The page's status for an answer that is not ok: the service's error, or 502 for anything else."""
        return self.status if self.status >= 400 else 502

    def failure(self, map_field: Callable[[str], str] | None = None) -> Failure:
        """The answer to a form that did not go through; ``map_field`` names the form field of an API field."""
        if self.invalid:
            return Failure(self.failure_status, errors=field_errors(self.body, map_field))
        if self.refused:
            return Failure(self.failure_status, reasons=self.reasons)
        return Failure(self.failure_status, problem=self.problem())

    def problem(self) -> str:
        """A Danish sentence for an answer that is neither ok, refused nor invalid."""
        if self.unavailable or self.status in (502, 503, 504):
            return "Tjenesten svarer ikke lige nu. Intet er gemt eller delt; prøv igen om lidt."
        if self.status == 404:
            return "Det findes ikke (eller er ikke oprettet endnu)."
        return f"Tjenesten svarede med en fejl ({self.status}). Prøv igen; kontakt driften, hvis fejlen bliver ved."


class Services:
    """One keep-alive HTTP client per service."""

    def __init__(self, settings: WebSettings, metrics: MetricRegistry) -> None:
        self.settings = settings
        self.clients: dict[str, httpx.AsyncClient] = {}
        self.latency = metrics.histogram(
            "infohus_web_api_seconds", "Time the gateway waited for a service's API", ["service", "method"],
            buckets=(0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1, 2, 5),
        )

    async def start(self) -> None:
        limits = httpx.Limits(max_connections=50, max_keepalive_connections=20)
        for name in SERVICE_NAMES:
            self.clients[name] = httpx.AsyncClient(base_url=self.settings.service_url(name), limits=limits,
                                                   timeout=self.settings.api_timeout_seconds)

    async def stop(self) -> None:
        for client in self.clients.values():
            await client.aclose()

    async def call(self, service: str, method: str, path: str, token: str | None, *, json: Any = None,
                   params: dict[str, Any] | None = None, headers: dict[str, str] | None = None) -> ApiResult:
        sent = {"X-Correlation-Id": correlation.current(), "Accept": "application/json"} | (headers or {})
        if token:
            sent["Authorization"] = f"Bearer {token}"
        started = time.perf_counter()
        try:
            response = await self.clients[service].request(method, path, json=json, params=params, headers=sent)
        except httpx.HTTPError:
            return ApiResult(503, {"detail": "unavailable"}, unavailable=True)
        finally:
            self.latency.labels(service, method).observe(time.perf_counter() - started)
        if response.status_code == 401:
            raise SignedOut()
        try:
            body = response.json()
        except ValueError:
            body = None
        return ApiResult(response.status_code, body, headers=dict(response.headers))

    async def healthy(self, service: str) -> bool:
        try:
            response = await self.clients[service].get("/healthz", timeout=2.0)
        except httpx.HTTPError:
            return False
        return response.status_code == 200
