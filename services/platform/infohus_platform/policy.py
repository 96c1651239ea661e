"""The OPA client: the only place that names a Rego package, with one typed function per decision.

Every share across a boundary asks here first, and fails closed: OPA unreachable raises
``PolicyUnavailable``; an undefined answer is a denial.
"""

from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlparse

from opa_client.opa_async import AsyncOpaClient

from .errors import PolicyUnavailable
from .ttl_cache import TtlCache

ACCESS = ("infohus/access", "decision")
SHARE = ("infohus/share", "decision")
SHARE_PREVIEW = ("infohus/share", "preview")
RETENTION_SCHEDULE = ("infohus/retention", "schedule")
EXCHANGE_ACCEPT = ("infohus/exchange", "accept")
POLICY_DATA = "infohus/config"

__all__ = ["AccessDecision", "PolicyClient", "PolicyUnavailable", "RetentionSchedule", "ShareDecision",
           "SharePreview"]


@dataclass(frozen=True)
class ShareDecision:
    """``infohus/share/decision``: may this share happen, on which legal basis, with which obligations."""

    allow: bool
    reasons: list[str] = field(default_factory=list)
    legal_basis: list[str] = field(default_factory=list)
    obligations: list[str] = field(default_factory=list)
    decision_id: str | None = None
    policy_version: str | None = None


@dataclass(frozen=True)
class AccessDecision:
    """``infohus/access/decision``: may this principal do this to this resource (need-to-know)."""

    allow: bool
    reasons: list[str] = field(default_factory=list)
    log_access: bool = False
    purpose: str = "prevention"
    decision_id: str | None = None


@dataclass(frozen=True)
class SharePreview:
    """``infohus/share/preview``: what a share would contain, field by field (nothing is sent)."""

    result: dict[str, Any] | None
    decision_id: str | None = None


@dataclass(frozen=True)
class RetentionSchedule:
    """``infohus/retention/schedule``: when a concern's personal data goes, and by which rule."""

    delete_on: str | None
    rule: str
    action: str
    reason: str | None = None


UNDEFINED_RETENTION = RetentionSchedule(None, "REVIEW", "review", "retention policy undefined: nothing is deleted")


class PolicyClient:
    def __init__(self, opa_url: str, timeout: float = 2.0, data_ttl_seconds: float = 30.0) -> None:
        parsed = urlparse(opa_url)
        self._client = AsyncOpaClient(
            host=parsed.hostname or "127.0.0.1",
            port=parsed.port or (443 if parsed.scheme == "https" else 8181),
            ssl=parsed.scheme == "https",
            retries=1,
            timeout=timeout,
        )
        self._data: TtlCache[Any] = TtlCache(data_ttl_seconds)

    async def __aenter__(self) -> "PolicyClient":
        await self._client.__aenter__()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self._client.__aexit__(*exc)

    async def healthy(self) -> bool:
        return bool(await self._client.check_health())

    async def _ask(self, package_path: str, rule: str, input_data: dict[str, Any]) -> dict[str, Any]:
        try:
            answer = await self._client.query_rule(input_data, package_path, rule)
        except Exception as exc:  # connection refused, timeout, 5xx: all mean "could not ask"
            raise PolicyUnavailable(type(exc).__name__) from exc
        return answer if isinstance(answer, dict) else {}

    async def access(self, input_data: dict[str, Any]) -> AccessDecision:
        answer = await self._ask(*ACCESS, input_data)
        result = answer.get("result")
        if not isinstance(result, dict):
            return AccessDecision(False, ["access decision undefined: denied"], decision_id=answer.get("decision_id"))
        return AccessDecision(
            allow=result.get("allow") is True, reasons=list(result.get("reasons", [])),
            log_access=result.get("log_access") is True, purpose=result.get("purpose") or "prevention",
            decision_id=answer.get("decision_id"),
        )

    async def share(self, input_data: dict[str, Any]) -> ShareDecision:
        answer = await self._ask(*SHARE, input_data)
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

    async def exchange_accept(self, input_data: dict[str, Any]) -> ShareDecision:
        """``infohus/exchange/accept``: may this organisation accept this message from that one (the receiver's
        end of a share: trust list, agreement, data classes)."""
        answer = await self._ask(*EXCHANGE_ACCEPT, input_data)
        result = answer.get("result")
        if not isinstance(result, dict):
            return ShareDecision(allow=False, reasons=["exchange decision undefined: refused"],
                                 decision_id=answer.get("decision_id"))
        return ShareDecision(
            allow=result.get("allow") is True, reasons=sorted(result.get("reasons", [])),
            legal_basis=sorted(result.get("legal_basis", [])), decision_id=answer.get("decision_id"),
            policy_version=result.get("policy_version"),
        )

    async def share_preview(self, input_data: dict[str, Any]) -> SharePreview:
        answer = await self._ask(*SHARE_PREVIEW, input_data)
        result = answer.get("result")
        return SharePreview(result if isinstance(result, dict) else None, answer.get("decision_id"))

    async def retention_schedule(self, input_data: dict[str, Any]) -> RetentionSchedule:
        result = (await self._ask(*RETENTION_SCHEDULE, input_data)).get("result")
        if not isinstance(result, dict):
            return UNDEFINED_RETENTION
        return RetentionSchedule(delete_on=result.get("delete_on"), rule=result.get("rule") or "REVIEW",
                                 action=result.get("action") or "review", reason=result.get("reason"))

    async def data(self, key: str) -> Any:
        """A value of the policy data (``data.infohus.config.<key>``), ``None`` when it is not there.

        Remembered for a while; raises ``PolicyUnavailable`` when OPA cannot be asked and the remembered
        value has expired (whoever quotes policy data then waits, as a share does).
        """
        return await self._data.get(key, lambda: self._fetch_data(key))

    async def _fetch_data(self, key: str) -> Any:
        return (await self._ask(POLICY_DATA, key, {})).get("result")

    async def k_threshold(self, default: int) -> int:
        """The small-cell threshold; the last known one (or ``default``) while OPA is away."""
        try:
            value = await self.data("k_threshold")
        except PolicyUnavailable:
            value = self._data.last("k_threshold")
            self._data.put("k_threshold", value)  # not asked again until the time to live has passed
        return value if isinstance(value, int) and value >= 2 else default
