"""Open-loop load against a running stack (``make load RATE=20 DURATION=60`` after ``make run``).

Concerns with realistic bodies (``tests/samples.py``) are sent to intake at a fixed rate; the next one leaves
on schedule whether or not the earlier ones were answered. Afterwards it waits until every accepted concern
is seen in the registry's and notify's databases (first sight: the databases are polled) and reports:

- accepted, answers other than 2xx, accept latency p50/p99;
- intake -> registry and intake -> notice queued p50/p99 (from the moment the concern was sent);
- lost (accepted, never registered or never given a notice) and duplicated (two registrations, or two notices
  sent, for one concern);
- 5xx answers, dead letters and retried events in every service (from their ``/metrics``);
- CPU seconds per concern of each process (its CPU during the run minus its idle CPU over as long).

The stack's storage is read where ``make run`` keeps it: SQLite files in ``--data-dir`` (``INFOHUS_DATA_DIR``),
or the PostgreSQL databases ``<name>_<service>`` when ``--database-url`` (``DATABASE_URL``) names a server.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import re
import sqlite3
import statistics
import sys
import time
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

import httpx

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))

import samples  # noqa: E402  (the sample generator the tests and the demo seed use)
from infohus_platform.devidp import issue_token  # noqa: E402

SERVICES = {"web": 0, "intake": 1, "assessment": 2, "registry": 3, "network": 4, "notify": 5}
CLOCK_TICKS = os.sysconf("SC_CLK_TCK")

# First sight of each concern: the registration, and the notice queued for it (its delivery, sent or not).
REGISTERED = "SELECT concern_id, count(*) FROM registration GROUP BY concern_id"
NOTICES = (
    "SELECT n.concern_id, sum(CASE WHEN d.status = 'sent' THEN 1 ELSE 0 END) "
    "FROM notification n JOIN delivery d ON d.notification_id = n.notification_id "
    "WHERE d.purpose = 'notice' GROUP BY n.concern_id"
)


@dataclass
class Run:
    sent_at: dict[str, float] = field(default_factory=dict)  # concern id -> when it was sent (monotonic)
    accept_ms: list[float] = field(default_factory=list)
    statuses: Counter = field(default_factory=Counter)
    registered_at: dict[str, float] = field(default_factory=dict)
    queued_at: dict[str, float] = field(default_factory=dict)
    registrations: dict[str, int] = field(default_factory=dict)
    notices_sent: dict[str, int] = field(default_factory=dict)


# --- the processes and their CPU ----------------------------------------------------------------------------

def listening_pid(port: int) -> int | None:
    """The process listening on 127.0.0.1:``port`` (from /proc: no tool needed)."""
    inodes = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        with open(table) as lines:
            for line in list(lines)[1:]:
                parts = line.split()
                if parts[3] == "0A" and int(parts[1].rsplit(":", 1)[1], 16) == port:  # 0A: LISTEN
                    inodes.add(parts[9])
    for pid in filter(str.isdigit, os.listdir("/proc")):
        try:
            for fd in os.listdir(f"/proc/{pid}/fd"):
                link = os.readlink(f"/proc/{pid}/fd/{fd}")
                if link.startswith("socket:[") and link[8:-1] in inodes:
                    return int(pid)
        except OSError:
            continue
    return None


def cpu_seconds(pid: int) -> float:
    with open(f"/proc/{pid}/stat") as stat:
        fields = stat.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / CLOCK_TICKS  # utime + stime


def cpu_of(pids: dict[str, int]) -> dict[str, float]:
    return {name: cpu_seconds(pid) for name, pid in pids.items()}


# --- the stack's storage ------------------------------------------------------------------------------------

class Storage:
    """Reads the registry's and notify's tables, from SQLite files or PostgreSQL."""

    def __init__(self, data_dir: Path, database_url: str | None) -> None:
        self.data_dir = data_dir
        self.database_url = database_url
        self.connections: dict[str, Any] = {}

    async def rows(self, service: str, sql: str) -> list[tuple]:
        if self.database_url:
            import asyncpg

            if service not in self.connections:
                head, _, name = self.database_url.replace("+asyncpg", "").rpartition("/")
                name = name.partition("?")[0] or "infohus"
                self.connections[service] = await asyncpg.connect(f"{head}/{name}_{service}")
            return [tuple(r) for r in await self.connections[service].fetch(sql)]
        path = self.data_dir / f"{service}.db"
        if not path.exists():
            return []
        with sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=10) as conn:
            return conn.execute(sql).fetchall()

    async def close(self) -> None:
        for conn in self.connections.values():
            await conn.close()


async def watch(storage: Storage, run: Run, stop: asyncio.Event, interval: float = 0.1) -> None:
    """Poll both databases and note when each concern was first seen there."""
    while True:
        now = time.monotonic()
        for concern_id, count in await storage.rows("registry", REGISTERED):
            run.registrations[concern_id] = count
            run.registered_at.setdefault(concern_id, now)
        for concern_id, sent in await storage.rows("notify", NOTICES):
            run.queued_at.setdefault(concern_id, now)
            run.notices_sent[concern_id] = int(sent or 0)
        if stop.is_set():
            return
        await asyncio.sleep(interval)


# --- the services' own counters -----------------------------------------------------------------------------

METRIC = re.compile(r'^(infohus_http_requests_total|infohus_dead_letters_total|infohus_event_retries_total)'
                    r'\{([^}]*)\} ([0-9.e+]+)$')


async def counters(client: httpx.AsyncClient, urls: dict[str, str]) -> Counter:
    """5xx answers, dead letters and retried events, summed per service."""
    totals: Counter = Counter()
    for name, url in urls.items():
        try:
            text = (await client.get(f"{url}/metrics")).text
        except httpx.HTTPError:
            continue
        for line in text.splitlines():
            match = METRIC.match(line)
            if not match:
                continue
            metric, labels, value = match.groups()
            if metric == "infohus_http_requests_total":
                if 'status="5' not in labels:
                    continue
                metric = "http_5xx"
            totals[(name, metric.removeprefix("infohus_").removesuffix("_total"))] += float(value)
    return totals


# --- the load -----------------------------------------------------------------------------------------------

async def send(client: httpx.AsyncClient, run: Run, body: dict[str, Any], headers: dict[str, str]) -> None:
    started = time.monotonic()
    try:
        response = await client.post("/api/v1/concerns", json=body, headers=headers)
    except httpx.HTTPError as exc:
        run.statuses[type(exc).__name__] += 1
        return
    run.accept_ms.append((time.monotonic() - started) * 1000)
    run.statuses[response.status_code] += 1
    if response.status_code < 300:
        run.sent_at[response.json()["concern_id"]] = started


async def offer(client: httpx.AsyncClient, run: Run, rate: float, duration: float, headers: dict[str, str],
                seed: int) -> None:
    """Open loop: the i-th concern leaves at start + i/rate, answered or not."""
    rng = random.Random(seed)
    tasks = []
    start = time.monotonic()
    for i in range(int(rate * duration)):
        delay = start + i / rate - time.monotonic()
        if delay > 0:
            await asyncio.sleep(delay)
        body = samples.concern(rng=random.Random(rng.random()))
        tasks.append(asyncio.create_task(send(client, run, body, headers)))
    await asyncio.gather(*tasks)


def percentiles(values: list[float]) -> dict[str, float | None]:
    if not values:
        return {"p50": None, "p99": None, "max": None}
    ordered = sorted(values)
    return {"p50": round(statistics.median(ordered), 1),
            "p99": round(ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))], 1),
            "max": round(ordered[-1], 1)}


async def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rate", type=float, default=20.0, help="concerns a second")
    parser.add_argument("--duration", type=float, default=60.0, help="seconds of load")
    parser.add_argument("--port-base", type=int, default=8000, help="web on base, intake base+1, ... notify base+5")
    parser.add_argument("--opa-url", default=os.environ.get("OPA_URL", "http://127.0.0.1:8181"))
    parser.add_argument("--data-dir", type=Path, default=Path(os.environ.get("INFOHUS_DATA_DIR", "var")))
    parser.add_argument("--database-url", default=os.environ.get("DATABASE_URL"))
    parser.add_argument("--idp-dir", type=Path, default=Path(os.environ.get("INFOHUS_DEV_IDP_DIR", "var/dev-idp")))
    parser.add_argument("--drain-timeout", type=float, default=180.0, help="seconds to wait for the backlog")
    parser.add_argument("--idle", type=float, default=10.0, help="seconds of idle CPU measured before the load")
    parser.add_argument("--seed", type=int, default=20)
    parser.add_argument("--json", type=Path, help="also write the report here")
    args = parser.parse_args()

    urls = {name: f"http://127.0.0.1:{args.port_base + offset}" for name, offset in SERVICES.items()}
    ports = {name: args.port_base + offset for name, offset in SERVICES.items()} | {
        "opa": urlparse(args.opa_url).port or 8181}
    pids = {name: pid for name, port in ports.items() if (pid := listening_pid(port))}
    missing = sorted(set(ports) - set(pids))
    if missing:
        print(f"warning: no process found listening for {', '.join(missing)}; their CPU is not counted",
              file=sys.stderr)
    token = issue_token("ssp_coordinator", args.idp_dir, municipality_code="820", org="kommune-820")
    headers = {"Authorization": f"Bearer {token}"}
    storage = Storage(args.data_dir, args.database_url)
    run = Run()
    limits = httpx.Limits(max_connections=1000, max_keepalive_connections=100)
    async with httpx.AsyncClient(base_url=urls["intake"], timeout=60, limits=limits) as client:
        if (await client.get("/readyz")).status_code != 200:
            raise SystemExit(f"intake at {urls['intake']} is not ready: start the stack with `make run` first")
        known = {row[0] for row in await storage.rows("registry", REGISTERED)}
        before_counts = await counters(client, urls)
        idle_start = cpu_of(pids)
        await asyncio.sleep(args.idle)
        idle_rate = {name: (cpu - idle_start[name]) / args.idle for name, cpu in cpu_of(pids).items()}

        stop = asyncio.Event()
        watcher = asyncio.create_task(watch(storage, run, stop))
        cpu_start, started = cpu_of(pids), time.monotonic()
        await offer(client, run, args.rate, args.duration, headers, args.seed)
        offered_for = time.monotonic() - started
        deadline = time.monotonic() + args.drain_timeout
        while time.monotonic() < deadline:
            accepted = set(run.sent_at)
            if accepted <= set(run.registered_at) and accepted <= set(run.queued_at):
                break
            await asyncio.sleep(0.2)
        drained_after = time.monotonic() - started
        await asyncio.sleep(2)  # a duplicate or a late 'sent' would show now
        cpu_end = cpu_of(pids)
        stop.set()
        await watcher
        after_counts = await counters(client, urls)
    await storage.close()

    accepted = set(run.sent_at)
    for concern_id in known:
        run.registered_at.pop(concern_id, None)
    to_registry = [(run.registered_at[c] - run.sent_at[c]) * 1000 for c in accepted if c in run.registered_at]
    to_notice = [(run.queued_at[c] - run.sent_at[c]) * 1000 for c in accepted if c in run.queued_at]
    # The drain's span counts a service's CPU; idle CPU over as long is subtracted.
    cpu = {name: round(max(0.0, cpu_end[name] - cpu_start[name] - idle_rate[name] * drained_after)
                       / max(1, len(accepted)) * 1000, 1) for name in pids}
    report = {
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
        "load_average": os.getloadavg(),
        "rate": args.rate, "duration_s": args.duration, "offered": int(args.rate * args.duration),
        "offered_in_s": round(offered_for, 1),
        "accepted": len(accepted),
        "answers_other_than_2xx": {str(k): v for k, v in run.statuses.items() if not str(k).startswith("2")},
        "accept_ms": percentiles(run.accept_ms),
        "to_registry_ms": percentiles(to_registry),
        "to_notice_queued_ms": percentiles(to_notice),
        "drained_after_s": round(drained_after, 1),
        "registered_per_s": round(len(to_registry) / drained_after, 1),
        "lost_registration": len(accepted - set(run.registered_at)),
        "lost_notice": len(accepted - set(run.queued_at)),
        "duplicated_registration": sum(1 for c in accepted if run.registrations.get(c, 0) > 1),
        "duplicated_notice_sent": sum(1 for c in accepted if run.notices_sent.get(c, 0) > 1),
        "notices_sent": sum(1 for c in accepted if run.notices_sent.get(c, 0) == 1),
        "service_counters": {f"{name}.{metric}": after_counts[(name, metric)] - before_counts.get((name, metric), 0)
                             for name, metric in after_counts
                             if after_counts[(name, metric)] - before_counts.get((name, metric), 0)},
        "cpu_ms_per_concern": cpu | {"total": round(sum(cpu.values()), 1)},
    }
    text = json.dumps(report, indent=2)
    print(text)
    if args.json:
        args.json.write_text(text + "\n")
    failed = (report["lost_registration"] or report["lost_notice"] or report["duplicated_registration"]
              or report["duplicated_notice_sent"] or report["answers_other_than_2xx"])
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(asyncio.run(main()))
