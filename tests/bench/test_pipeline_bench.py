"""Benchmarks over the real stack (``make bench``): medians, each against a baseline measured in the same run.

Not part of ``make test``: the numbers go to ``bench/results.json`` and are quoted in ``bench/README.md``.
"""

import asyncio
import json
import statistics
import time
from pathlib import Path
from uuid import uuid4

import httpx
import pytest
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer

import samples
from support import bearer, kafka_auth, query, submit_concern

pytestmark = pytest.mark.bench
RESULTS = Path(__file__).resolve().parents[2] / "bench" / "results.json"
N = 40


def timed(call, n: int = N) -> list[float]:
    samples_ms = []
    for _ in range(n):
        started = time.perf_counter()
        call()
        samples_ms.append((time.perf_counter() - started) * 1000)
    return samples_ms


def record(name: str, measured: list[float], baseline_name: str, baseline: list[float]) -> dict:
    result = {"median_ms": round(statistics.median(measured), 2),
              "p90_ms": round(sorted(measured)[int(len(measured) * .9)], 2),
              "baseline": baseline_name, "baseline_median_ms": round(statistics.median(baseline), 2),
              "ratio": round(statistics.median(measured) / statistics.median(baseline), 1), "n": len(measured)}
    existing = json.loads(RESULTS.read_text()) if RESULTS.exists() else {}
    RESULTS.write_text(json.dumps(existing | {name: result}, indent=2) + "\n")
    print(f"\n{name}: median {result['median_ms']} ms vs {baseline_name} {result['baseline_median_ms']} ms "
          f"(x{result['ratio']})")
    return result


def test_share_decision_latency(policy_server):
    share = {"action": "publish", "sender": {"service": "registry", "org": "kommune-820", "regime": "gdpr"},
             "recipient": {"kind": "network", "org": "kommune-820"}, "purpose": "statistics",
             "data_classes": ["aggregate"], "acting_role": "system",
             "aggregate": {"cells": [{"count": 7, "suppressed": False}]}}
    with httpx.Client(base_url=policy_server.url) as client:
        baseline = timed(lambda: client.get("/health"))
        measured = timed(lambda: client.post("/v1/data/infohus/share/decision", json={"input": share}))
    assert record("opa_share_decision", measured, "opa_health", baseline)["median_ms"] < 100


def test_guarded_read_latency(api):
    concern_id = submit_concern(api, samples.concern()).json()["concern_id"]
    leader = bearer("leadership")
    path = f"/api/v1/registrations/{concern_id}"
    while api["registry"].get(path, headers=leader).status_code != 200:
        time.sleep(0.05)
    baseline = timed(lambda: api["registry"].get("/healthz"))
    measured = timed(lambda: api["registry"].get(path, headers=leader))
    record("registration_read_with_token_opa_and_log", measured, "registry_healthz", baseline)


def test_intake_accept_latency(api):
    baseline = timed(lambda: api["intake"].get("/healthz"))
    measured = timed(lambda: submit_concern(api, samples.concern(municipality_code="101")))
    record("intake_accept_concern", measured, "intake_healthz", baseline)


async def kafka_roundtrip_ms(config: dict, topic: str, n: int) -> list[float]:
    producer = AIOKafkaProducer(**config)
    consumer = AIOKafkaConsumer(topic, **config, auto_offset_reset="latest", group_id=None)
    await producer.start()
    await consumer.start()
    await asyncio.sleep(1)
    result = []
    try:
        for _ in range(n):
            started = time.perf_counter()
            await producer.send_and_wait(topic, uuid4().bytes)
            await consumer.getone()
            result.append((time.perf_counter() - started) * 1000)
    finally:
        await producer.stop()
        await consumer.stop()
    return result


def test_end_to_end_latency(api, stack, infra_env):
    config = {"bootstrap_servers": infra_env["KAFKA_BOOTSTRAP_SERVERS"]} | kafka_auth("admin")
    baseline = asyncio.run(kafka_roundtrip_ms(config, f"{stack.run_id}.bench.roundtrip", 20))

    def one() -> float:
        started = time.perf_counter()
        concern_id = submit_concern(api, samples.concern(municipality_code="101")).json()["concern_id"]
        while not query(stack, "registry", "SELECT 1 FROM registration WHERE concern_id = $1", concern_id):
            time.sleep(0.005)
        return (time.perf_counter() - started) * 1000

    measured = [one() for _ in range(20)]
    record("concern_to_registration_end_to_end", measured, "raw_kafka_produce_consume", baseline)


def test_case_list_latency(api):
    """The case list names each person, so every listed case is a processing-log entry of its own."""
    code = "787"
    coordinator = bearer("ssp_coordinator", municipality_code=code, org=f"kommune-{code}")
    for _ in range(200):
        submit_concern(api, samples.concern(municipality_code=code))
    deadline = time.monotonic() + 120
    while len(api["assessment"].get("/api/v1/cases", headers=coordinator).json()) < 200:
        assert time.monotonic() < deadline, "the 200 cases were not opened in time"
        time.sleep(1)
    baseline = timed(lambda: api["assessment"].get("/api/v1/cases", params={"stage": "closed"}, headers=coordinator),
                     n=20)
    measured = timed(lambda: api["assessment"].get("/api/v1/cases", headers=coordinator), n=20)
    assert record("case_list_200", measured, "case_list_empty", baseline)["median_ms"] < 2000
