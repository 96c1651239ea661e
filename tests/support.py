"""Helpers for tests: polling, direct reads of a service's database, raw Kafka access."""

import asyncio
import functools
import json
import os
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import asyncpg
import httpx
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer

from infohus_platform.devidp import issue_token

T = TypeVar("T")
ROOT = Path(__file__).resolve().parents[1]
DEV_IDP_DIR = ROOT / "test-output" / "dev-idp"


def bearer(user: str, **claims: Any) -> dict[str, str]:
    """Authorization headers for a demo user of the development identity provider."""
    return {"Authorization": f"Bearer {_token(user, json.dumps(claims, sort_keys=True))}"}


@functools.cache
def _token(user: str, claims: str) -> str:
    # Signing loads (and checks) the RSA key, tens of milliseconds: one token per user and claims will do.
    return issue_token(user, DEV_IDP_DIR, **json.loads(claims))


def submit_concern(api: dict[str, httpx.Client], body: dict[str, Any], headers: dict[str, str] | None = None,
                   user: str = "ssp_coordinator") -> httpx.Response:
    """POST a concern as a coordinator of the concern's own municipality."""
    code = body.get("municipality_code", "820")
    auth = bearer(user, municipality_code=code, org=f"kommune-{code}")
    return api["intake"].post("/api/v1/concerns", json=body, headers=auth | (headers or {}))


def eventually(probe: Callable[[], T | None], timeout: float = 60.0, interval: float = 0.2) -> T:
    """Poll until ``probe`` returns something truthy; fail with the last value otherwise."""
    deadline = time.monotonic() + timeout
    last: Any = None
    while time.monotonic() < deadline:
        last = probe()
        if last:
            return last
        time.sleep(interval)
    raise AssertionError(f"condition not met within {timeout}s (last value: {last!r})")


def json_if_ok(response: httpx.Response) -> Any:
    return response.json() if response.status_code == 200 else None


def service_dsn(stack: Any, service: str) -> str:
    base = stack.database_url.replace("postgresql+asyncpg://", "postgresql://")
    return f"{base}_{service}"


def query(stack: Any, service: str, sql: str, *args: Any) -> list[asyncpg.Record]:
    """Read a service's own PostgreSQL database directly (what the service really stored)."""

    async def run() -> list[asyncpg.Record]:
        connection = await asyncpg.connect(service_dsn(stack, service))
        try:
            return await connection.fetch(sql, *args)
        finally:
            await connection.close()

    return asyncio.run(run())


def kafka_auth(principal: str = "admin") -> dict[str, Any]:
    """aiokafka options to connect as ``principal`` (default the super user, which tests use to inject
    events) when the broker requires SASL (``KAFKA_SECURITY_PROTOCOL``, ``KAFKA_CREDENTIALS_FILE``)."""
    return _sasl_auth("KAFKA", principal)


def exchange_auth(principal: str = "admin") -> dict[str, Any]:
    """aiokafka options to connect to the district's exchange cluster as ``principal`` (an organisation id, or
    the super user) when it requires SASL (``EXCHANGE_SECURITY_PROTOCOL``, ``EXCHANGE_CREDENTIALS_FILE``)."""
    return _sasl_auth("EXCHANGE", principal)


def _sasl_auth(cluster: str, principal: str) -> dict[str, Any]:
    protocol = os.environ.get(f"{cluster}_SECURITY_PROTOCOL", "PLAINTEXT")
    if protocol == "PLAINTEXT":
        return {}
    passwords = json.loads(Path(os.environ[f"{cluster}_CREDENTIALS_FILE"]).read_text("utf-8"))
    return {"security_protocol": protocol, "sasl_mechanism": os.environ.get(f"{cluster}_SASL_MECHANISM", "PLAIN"),
            "sasl_plain_username": principal, "sasl_plain_password": passwords[principal]}


async def produce(bootstrap: str, topic: str, value: bytes, headers: dict[str, str] | None = None,
                  key: bytes | None = None, auth: dict[str, Any] | None = None) -> None:
    """Send one record, as the super user unless ``auth`` says otherwise (``exchange_auth`` for the exchange)."""
    producer = AIOKafkaProducer(bootstrap_servers=bootstrap, **(kafka_auth() if auth is None else auth))
    await producer.start()
    try:
        await producer.send_and_wait(
            topic, value, key=key, headers=[(k, v.encode()) for k, v in (headers or {}).items()]
        )
    finally:
        await producer.stop()


async def read_topic(bootstrap: str, topic: str, expect: int, timeout: float = 30.0) -> list[Any]:
    """Read a topic from the beginning as the super user until ``expect`` records arrived or time ran out."""
    records, _ = await read_as(bootstrap, topic, kafka_auth(), expect=expect, timeout=timeout)
    return records


async def read_as(bootstrap: str, topic: str, auth: dict[str, Any], *, group_id: str | None = None, expect: int = 1,
                  timeout: float = 20.0) -> tuple[list[Any], set[Any]]:
    """Read ``topic`` from the beginning with ``auth`` (a principal's options) until ``expect`` records came or time
    ran out; returns them and the partitions assigned. A refusal of the broker is raised."""
    consumer = AIOKafkaConsumer(topic, bootstrap_servers=bootstrap, group_id=group_id, auto_offset_reset="earliest",
                                enable_auto_commit=False, **auth)
    records: list[Any] = []
    try:
        await consumer.start()
        deadline = time.monotonic() + timeout
        while len(records) < expect and time.monotonic() < deadline:
            batch = await consumer.getmany(timeout_ms=500)
            records += [record for partition in batch.values() for record in partition]
        return records, consumer.assignment()
    finally:
        await consumer.stop()


def headers_of(record: Any) -> dict[str, str]:
    return {k: v.decode() for k, v in record.headers}


def body_of(record: Any) -> Any:
    return json.loads(record.value) if record.value else None
