"""``PolicyClient`` reading OPA's answers, with a fake OPA client in place of the HTTP one.

It fails closed: an undefined answer is a denial, OPA unreachable is ``PolicyUnavailable``. Policy
data is remembered for a while, and the small-cell threshold keeps its last value while OPA is away.
"""

from collections.abc import Callable
from typing import Any, cast

import pytest

from infohus_platform import ttl_cache
from infohus_platform.errors import PolicyUnavailable
from infohus_platform.policy import (
    ACCESS,
    POLICY_DATA,
    RETENTION_SCHEDULE,
    SHARE,
    SHARE_PREVIEW,
    UNDEFINED_RETENTION,
    AccessDecision,
    PolicyClient,
    RetentionSchedule,
    SharePreview,
)

Answer = dict[str, Any] | Exception


class FakeOpa:
    """Answers ``query_rule(input, package, rule)`` from a table; an exception in it is raised."""

    def __init__(self, answers: dict[tuple[str, str], Answer] | None = None) -> None:
        self.answers = answers or {}
        self.asked: list[tuple[str, str, dict[str, Any]]] = []

    async def query_rule(self, input_data: dict[str, Any], package_path: str, rule: str) -> Any:
        self.asked.append((package_path, rule, input_data))
        answer = self.answers.get((package_path, rule), {})
        if isinstance(answer, Exception):
            raise answer
        return answer


class Clock:
    """``time.monotonic`` for the cache, moved on by hand (no sleeping)."""

    def __init__(self) -> None:
        self.now = 1000.0

    def monotonic(self) -> float:
        return self.now


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> Clock:
    clock = Clock()
    monkeypatch.setattr(ttl_cache, "time", clock)
    return clock


def client_with(opa: FakeOpa, **kwargs: Any) -> PolicyClient:
    client = PolicyClient("http://127.0.0.1:1", **kwargs)
    client._client = cast(Any, opa)  # in place of the HTTP client: all PolicyClient talks to
    return client


UNREACHABLE = ConnectionRefusedError("connection refused")


async def test_an_undefined_access_answer_is_a_denial() -> None:
    client = client_with(FakeOpa({ACCESS: {"decision_id": "d-1"}}))
    decision = await client.access({"action": "case.read"})
    assert decision == AccessDecision(False, ["access decision undefined: denied"], decision_id="d-1")


async def test_an_access_answer_is_read_strictly() -> None:
    opa = FakeOpa({ACCESS: {"result": {"allow": "true", "reasons": ["x"], "log_access": 1}, "decision_id": "d-2"}})
    decision = await client_with(opa).access({"action": "case.read"})
    # Only a JSON true allows or logs; a missing purpose is prevention.
    assert decision == AccessDecision(False, ["x"], log_access=False, purpose="prevention", decision_id="d-2")
    assert opa.asked == [("infohus/access", "decision", {"action": "case.read"})]

    opa.answers[ACCESS] = {"result": {"allow": True, "log_access": True, "purpose": "research"}}
    decision = await client_with(opa).access({})
    assert (decision.allow, decision.log_access, decision.purpose, decision.reasons) == (True, True, "research", [])


async def test_an_undefined_share_answer_is_a_denial() -> None:
    decision = await client_with(FakeOpa({SHARE: {"result": None, "decision_id": "d-3"}})).share({})
    assert not decision.allow
    assert decision.reasons == ["share decision undefined: denied"] and decision.decision_id == "d-3"
    assert decision.legal_basis == [] and decision.policy_version is None


async def test_a_share_answer_is_read_with_sorted_lists() -> None:
    result = {"allow": True, "reasons": ["b", "a"], "legal_basis": ["sl_49a", "dbl_6_1_e"],
              "obligations": ["log"], "policy_version": "v7"}
    decision = await client_with(FakeOpa({SHARE: {"result": result, "decision_id": "d-4"}})).share({})
    assert decision.allow and decision.reasons == ["a", "b"] and decision.legal_basis == ["dbl_6_1_e", "sl_49a"]
    assert (decision.obligations, decision.decision_id, decision.policy_version) == (["log"], "d-4", "v7")


async def test_preview_and_retention_when_undefined() -> None:
    client = client_with(FakeOpa({SHARE_PREVIEW: {"result": "nonsense", "decision_id": "d-5"}}))
    assert await client.share_preview({}) == SharePreview(None, "d-5")
    assert await client.retention_schedule({}) == UNDEFINED_RETENTION
    assert UNDEFINED_RETENTION.delete_on is None and UNDEFINED_RETENTION.action == "review"


async def test_a_retention_answer_is_read() -> None:
    result = {"delete_on": "2031-01-01", "rule": "R2", "action": "delete"}
    client = client_with(FakeOpa({RETENTION_SCHEDULE: {"result": result}}))
    assert await client.retention_schedule({}) == RetentionSchedule("2031-01-01", "R2", "delete", None)


@pytest.mark.parametrize("ask", [
    lambda c: c.access({}), lambda c: c.share({}), lambda c: c.share_preview({}),
    lambda c: c.retention_schedule({}), lambda c: c.data("k_threshold"),
], ids=["access", "share", "share_preview", "retention_schedule", "data"])
async def test_opa_unreachable_is_policy_unavailable(ask: Callable[[PolicyClient], Any]) -> None:
    opa = FakeOpa({ACCESS: UNREACHABLE, SHARE: UNREACHABLE, SHARE_PREVIEW: UNREACHABLE,
                   RETENTION_SCHEDULE: UNREACHABLE, (POLICY_DATA, "k_threshold"): UNREACHABLE})
    with pytest.raises(PolicyUnavailable, match="ConnectionRefusedError"):
        await ask(client_with(opa))
    assert len(opa.asked) == 1


async def test_policy_data_is_remembered_for_its_time_to_live(clock: Clock) -> None:
    opa = FakeOpa({(POLICY_DATA, "partners"): {"result": ["sbsys"]}})
    client = client_with(opa, data_ttl_seconds=30)
    assert await client.data("partners") == ["sbsys"]
    opa.answers[(POLICY_DATA, "partners")] = {"result": ["sbsys", "other"]}
    clock.now += 29
    assert await client.data("partners") == ["sbsys"]  # remembered: OPA was asked once
    assert [(package, rule) for package, rule, _ in opa.asked] == [(POLICY_DATA, "partners")]
    clock.now += 2
    assert await client.data("partners") == ["sbsys", "other"]  # the time to live passed: asked again
    assert await client.data("missing") is None
    assert len(opa.asked) == 3


async def test_k_threshold_keeps_its_last_value_while_opa_is_away(clock: Clock) -> None:
    opa = FakeOpa({(POLICY_DATA, "k_threshold"): {"result": 7}})
    client = client_with(opa, data_ttl_seconds=30)
    assert await client.k_threshold(default=5) == 7

    opa.answers[(POLICY_DATA, "k_threshold")] = UNREACHABLE
    clock.now += 31
    assert await client.k_threshold(default=5) == 7  # OPA away: the last known value
    asked = len(opa.asked)
    clock.now += 29
    assert await client.k_threshold(default=5) == 7
    assert len(opa.asked) == asked  # not asked again until the time to live has passed

    opa.answers[(POLICY_DATA, "k_threshold")] = {"result": 9}
    clock.now += 2
    assert await client.k_threshold(default=5) == 9  # OPA back: its value again


async def test_k_threshold_falls_back_to_the_default() -> None:
    never_known = client_with(FakeOpa({(POLICY_DATA, "k_threshold"): UNREACHABLE}))
    assert await never_known.k_threshold(default=5) == 5
    for nonsense in (1, "7", None, 2.5):
        client = client_with(FakeOpa({(POLICY_DATA, "k_threshold"): {"result": nonsense}}))
        assert await client.k_threshold(default=5) == 5, nonsense
    assert await client_with(FakeOpa({(POLICY_DATA, "k_threshold"): {"result": 2}})).k_threshold(default=5) == 2
