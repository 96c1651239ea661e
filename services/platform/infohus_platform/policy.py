"""The OPA client: every share across a boundary asks here first, and fails closed."""

import time
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlparse

from opa_client.opa_async import AsyncOpaClient

SHARE_DECISION = ("infohus/share", "decision")


class PolicyUnavailable(Exception):
    """OPA could not be asked. Nothing may leave; the caller retries later."""


@dataclass(frozen=True)
class ShareDecision:
    allow: bool
    reasons: list[str] = field(default_factory=list)
    legal_basis: list[str] = field(default_factory=list)
    obligations: list[str] = field(default_factory=list)
    decision_id: str | None = None
    policy_version: str | None = None


class PolicyClient:
    def __init__(self, opa_url: str, timeout: float = 2.0) -> None:
        parsed = urlparse(opa_url)
        self._client = AsyncOpaClient(
            host=parsed.hostname or "127.0.0.1",
            port=parsed.port or (443 if parsed.scheme == "https" else 8181),
            ssl=parsed.scheme == "https",
            retries=1,
            timeout=timeout,
        )

    async def __aenter__(self) -> "PolicyClient":
        await self._client.__aenter__()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self._client.__aexit__(*exc)

    async def healthy(self) -> bool:
        return await self._client.check_health()

    async def query(self, package_path: str, rule: str, input_data: dict[str, Any]) -> dict[str, Any]:
        """The raw OPA answer (``result`` and ``decision_id``); raises ``PolicyUnavailable``."""
        try:
            return await self._client.query_rule(input_data, package_path, rule)
        except Exception as exc:  # connection refused, timeout, 5xx: all mean "could not ask"
            raise PolicyUnavailable(type(exc).__name__) from exc

    async def share_decision(self, input_data: dict[str, Any]) -> ShareDecision:
        answer = await self.query(*SHARE_DECISION, input_data)
        result = answer.get("result")
        if not isinstance(result, dict):
            # Undefined in OPA means nobody allowed it.
            return ShareDecision(allow=False, reasons=["share decision undefined: denied"],
                                 decision_id=answer.get("decision_id"))
        return ShareDecision(
            allow=result.get("allow") is True,
            reasons=sorted(result.get("reasons", [])),
            legal_basis=sorted(result.get("legal_basis", [])),
            obligations=sorted(result.get("obligations", [])),
            decision_id=answer.get("decision_id"),
            policy_version=result.get("policy_version"),
        )

    async def config_value(self, key: str, default: Any) -> Any:
        answer = await self.query("infohus/config", key, {})
        return answer.get("result", default)


class KThreshold:
    """The small-cell threshold from policy data, remembered for a while and while OPA is away."""

    def __init__(self, policy: PolicyClient, default: int, ttl_seconds: float = 30.0) -> None:
        self.policy = policy
        self.value = default
        self.ttl_seconds = ttl_seconds
        self.fetched_at = float("-inf")

    async def current(self) -> int:
        if time.monotonic() - self.fetched_at < self.ttl_seconds:
            return self.value
        self.fetched_at = time.monotonic()
        try:
            value = await self.policy.config_value("k_threshold", self.value)
            if isinstance(value, int) and value >= 2:
                self.value = value
        except PolicyUnavailable:
            pass
        return self.value
