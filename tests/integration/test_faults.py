"""Faults lose nothing: during a burst of concerns the Kafka broker and PostgreSQL are restarted, services
are SIGKILLed (each of the five in turn in the full form, notify in the short one) and OPA is stopped.
Afterwards every accepted concern is registered exactly once and its notice sent exactly once; no answer
was a 5xx other than a 503 (with ``Retry-After``) while a dependency was down; and the stack recovered by
itself (the supervisor in ``deploy/local/stack.py`` starts a killed service again) within a bounded time.

The numbers of a run (concerns, 503s, recovery time per fault) are written to
``test-output/faults-<run>-<concerns>.json`` and printed.
"""

import json
import os
import subprocess
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import pytest

import samples
from support import bearer, eventually, query

ROOT = Path(__file__).resolve().parents[2]
INFRA = ROOT / "deploy" / "local" / "infra.sh"
KILLED = ("intake", "assessment", "registry", "network", "notify")
# Seconds from the end of a fault until a concern sent after it went all the way through, behind what
# queued up during the fault. Measured on a loaded 2-core machine (load average 15-25), short form: up to
# 85 s after a SIGKILL of notify, 55 s after a broker restart; a few seconds after PostgreSQL or OPA came
# back. The full form's larger burst queues more during a broker restart (about 120 s to drain).
RECOVERY_BOUND = 120.0
FULL_RECOVERY_BOUND = 300.0
GRACE = 15.0  # a 503 may still be answered this long after a dependency is back (pools, caches, a rejoin)


@dataclass
class Fault:
    name: str
    started: float = 0.0
    ended: float = 0.0  # the dependency is back, or the killed service's process was started again
    recovered: float = 0.0  # a concern accepted after ``ended`` was registered and its notice recorded
    submitted_during: int = 0

    def summary(self) -> dict:
        return {"fault": self.name, "outage_s": round(self.ended - self.started, 1),
                "recovery_s": round(self.recovered - self.ended, 1), "concerns_during": self.submitted_during}


@dataclass
class Burst:
    """Submits concerns one after another, and reads one back now and then, recording every answer."""

    api_url: dict[str, str]
    code: str
    count: int
    pause: float
    phases: int  # one a fault, one before the first: each phase's share of the burst is sent as it starts
    phase: int = 0
    faults_over: threading.Event = field(default_factory=threading.Event)
    accepted: list[tuple[float, str]] = field(default_factory=list)
    statuses: Counter = field(default_factory=Counter)
    unavailable_at: list[tuple[float, str]] = field(default_factory=list)  # (when, "service status")
    server_errors: list[str] = field(default_factory=list)  # 5xx other than 503: must stay empty
    no_answer: int = 0  # the service was killed or not up yet: connection refused or reset
    in_doubt: int = 0  # the connection broke after the request was sent: it may have been stored
    failed: BaseException | None = None

    def run(self) -> None:
        try:
            self.send()
        except BaseException as exc:  # seen by the test, which would otherwise wait for a dead thread
            self.failed = exc
            raise

    def send(self) -> None:
        auth = bearer("ssp_coordinator", municipality_code=self.code, org=f"kommune-{self.code}")
        readers = {"registry": bearer("registration_coordinator", municipality_code=self.code,
                                      org=f"kommune-{self.code}")}
        with httpx.Client(timeout=15) as client:
            for sent in range(self.count):
                while sent >= self.count * (self.phase + 1) // self.phases and not self.faults_over.wait(0.05):
                    pass  # this phase's share is sent: wait for the next fault
                self.call(client, "intake", "POST", f"{self.api_url['intake']}/api/v1/concerns", auth,
                          samples.concern(municipality_code=self.code))
                if self.accepted and sent % 4 == 0:  # a read of personal data: it needs the database too
                    concern_id = self.accepted[len(self.accepted) // 2][1]  # most likely registered by now
                    self.call(client, "registry", "GET",
                              f"{self.api_url['registry']}/api/v1/registrations/{concern_id}", readers["registry"])
                time.sleep(self.pause)

    def call(self, client: httpx.Client, service: str, method: str, url: str, headers: dict,
             body: dict | None = None) -> None:
        try:
            response = client.request(method, url, json=body, headers=headers)
        except (httpx.ConnectError, httpx.ConnectTimeout):
            self.no_answer += 1
            return
        except httpx.TransportError:
            self.in_doubt += method == "POST"
            self.no_answer += method != "POST"
            return
        self.statuses[f"{service} {response.status_code}"] += 1
        if response.status_code == 503:
            self.unavailable_at.append((time.monotonic(), service))
            if not response.headers.get("retry-after"):
                self.server_errors.append(f"{service} {method} 503 without Retry-After")
        elif response.status_code >= 500:
            self.server_errors.append(f"{service} {method} {response.status_code}: {response.text[:200]}")
        elif method == "POST" and response.status_code == 202:
            self.accepted.append((time.monotonic(), response.json()["concern_id"]))


def infra(command: str, component: str) -> None:
    subprocess.run(["bash", str(INFRA), command, component], check=True, capture_output=True, text=True)


def external(component: str) -> bool:
    status = subprocess.run(["bash", str(INFRA), "status", component], capture_output=True, text=True).stdout
    return " external " in status


def count_registered(stack, code: str) -> int:
    return query(stack, "registry", "SELECT count(*) AS n FROM registration WHERE municipality_code = $1",
                 code)[0]["n"]


def registered(stack, concern_ids: list[str]) -> set[str]:
    rows = query(stack, "registry", "SELECT concern_id FROM registration WHERE concern_id = ANY($1)", concern_ids)
    return {r["concern_id"] for r in rows}


def noticed(stack, concern_ids: list[str]) -> set[str]:
    rows = query(stack, "notify", "SELECT concern_id FROM notification WHERE concern_id = ANY($1)", concern_ids)
    return {r["concern_id"] for r in rows}


def wait_recovered(stack, burst: Burst, fault: Fault, bound: float) -> None:
    """Until a concern sent after the fault ended went all the way through: registry and notify."""
    probe = Burst(burst.api_url, burst.code, 1, 0, 1)
    auth = bearer("ssp_coordinator", municipality_code=burst.code, org=f"kommune-{burst.code}")
    with httpx.Client(timeout=15) as client:
        while not probe.accepted:  # intake may not be up yet (killed) or refuse (503) for a moment
            assert time.monotonic() - fault.ended < bound, f"intake accepts nothing after {fault.name}"
            probe.call(client, "intake", "POST", f"{burst.api_url['intake']}/api/v1/concerns", auth,
                       samples.concern(municipality_code=burst.code))
            time.sleep(0.2)
    assert not probe.server_errors, probe.server_errors
    burst.accepted += probe.accepted  # the probe is one more accepted concern that must come through
    burst.unavailable_at += probe.unavailable_at
    burst.statuses += probe.statuses
    burst.in_doubt += probe.in_doubt
    concern_id = probe.accepted[0][1]
    eventually(lambda: registered(stack, [concern_id]) and noticed(stack, [concern_id]),
               timeout=max(bound - (time.monotonic() - fault.ended), 1), interval=0.3)
    fault.recovered = time.monotonic()


def inject(fault: Fault, stack, policy_server, opa_outage: float) -> None:
    fault.started = time.monotonic()
    if fault.name in ("kafka", "postgres"):
        infra("restart", fault.name)  # stops, starts and waits until ready
    elif fault.name == "opa":
        policy_server.stop()
        time.sleep(opa_outage)
        policy_server.start()
    else:  # a service: SIGKILL, and the supervisor starts it again
        old = stack[fault.name].process
        stack[fault.name].kill()
        eventually(lambda: stack[fault.name].process is not old, timeout=30, interval=0.1)
    fault.ended = time.monotonic()


def run_faults(stack, policy_server, *, code: str, count: int, pause: float, faults: list[str],
               opa_outage: float, recovery_bound: float = RECOVERY_BOUND) -> dict:
    # An external broker or database is not ours to restart (infra.sh restarts only the local ones): those faults
    # are left out and named in the record; the services' and OPA's faults always run (the suite owns them).
    left_out = [f for f in faults if f in ("kafka", "postgres") and external(f)]
    faults = [f for f in faults if f not in left_out]
    registered_before = count_registered(stack, code)
    burst = Burst({name: service.url for name, service in stack.services.items()}, code, count, pause,
                  phases=len(faults) + 1)
    sender = threading.Thread(target=burst.run, name="burst", daemon=True)
    done: list[Fault] = []
    started = time.monotonic()
    try:
        with stack.supervised() as restarts:
            sender.start()
            eventually(lambda: len(burst.accepted) >= 5 or burst.failed or sum(burst.statuses.values()) > 20,
                       timeout=60)
            assert burst.failed is None and len(burst.accepted) >= 5, (burst.failed, burst.statuses)
            for name in faults:
                fault = Fault(name)
                accepted_before = len(burst.accepted)
                burst.phase += 1
                print(f"fault {name} at {time.monotonic() - started:.1f}s", flush=True)
                inject(fault, stack, policy_server, opa_outage)
                wait_recovered(stack, burst, fault, recovery_bound)
                fault.submitted_during = len(burst.accepted) - accepted_before
                print(f"  {fault.summary()}", flush=True)
                done.append(fault)
            burst.faults_over.set()
            sender.join(timeout=count * (pause + 1) + 120)
            assert not sender.is_alive() and burst.failed is None, ("the burst did not finish", burst.failed)
            stack.wait_ready(timeout=60)
    finally:
        burst.faults_over.set()
        if not policy_server.healthy():  # the rest of the suite needs OPA, whatever happened here
            policy_server.start()
    accepted = [cid for _, cid in burst.accepted]
    assert not burst.server_errors, burst.server_errors[:5]
    windows = [(f.started, f.recovered + GRACE) for f in done]
    stray = [(round(at - started, 1), service) for at, service in burst.unavailable_at
             if not any(start <= at <= end for start, end in windows)]
    assert not stray, f"503s while no dependency was down (seconds into the run, service): {stray[:10]}"

    eventually(lambda: len(registered(stack, accepted)) == len(accepted), timeout=180, interval=1)
    rows = query(stack, "registry", "SELECT concern_id, count(*) AS n FROM registration "
                                    "WHERE concern_id = ANY($1) GROUP BY concern_id", accepted)
    assert all(r["n"] == 1 for r in rows), "a concern registered twice"
    # Registered and never answered 2xx: only a request whose connection broke may have been stored.
    unanswered = count_registered(stack, code) - registered_before - len(accepted)
    assert 0 <= unanswered <= burst.in_doubt, (unanswered, burst.in_doubt)
    cases = query(stack, "assessment", "SELECT concern_id, count(*) AS n FROM case_file "
                                       "WHERE concern_id = ANY($1) GROUP BY concern_id", accepted)
    assert len(cases) == len(accepted) and all(r["n"] == 1 for r in cases)

    def notices() -> list:
        return query(stack, "notify", "SELECT n.concern_id, count(DISTINCT n.notification_id) AS notifications, "
                                      "count(d.delivery_id) AS deliveries FROM notification n "
                                      "LEFT JOIN delivery d ON d.notification_id = n.notification_id "
                                      "AND d.purpose = 'notice' WHERE n.concern_id = ANY($1) "
                                      "GROUP BY n.concern_id", accepted)

    eventually(lambda: len(notices()) == len(accepted), timeout=120, interval=1)
    assert all(r["notifications"] == 1 for r in notices()), "a concern noticed twice"
    def unsent() -> list:
        return query(stack, "notify", "SELECT d.status, count(*) AS n FROM delivery d JOIN notification n "
                                      "ON n.notification_id = d.notification_id WHERE n.concern_id = ANY($1) "
                                      "AND d.purpose = 'notice' AND d.status <> 'sent' GROUP BY d.status", accepted)

    eventually(lambda: not unsent(), timeout=180, interval=1)  # every notice went out (Digital Post)
    sent_twice = query(stack, "notify", "SELECT e.delivery_id FROM delivery_log e JOIN delivery d "
                                        "ON d.delivery_id = e.delivery_id JOIN notification n "
                                        "ON n.notification_id = d.notification_id WHERE n.concern_id = ANY($1) "
                                        "AND e.status = 'sent' GROUP BY e.delivery_id HAVING count(*) > 1",
                       accepted)
    assert not sent_twice, f"{len(sent_twice)} notices sent more than once"

    record = {
        "concerns_sent": count, "probes": len(done), "accepted": len(accepted), "registered": len(rows),
        "registered_unanswered": unanswered,
        "answers": dict(sorted(burst.statuses.items())), "answers_503": len(burst.unavailable_at),
        "no_answer": burst.no_answer, "in_doubt": burst.in_doubt,
        "supervisor_restarts": [name for _, name in restarts],
        "faults": [f.summary() for f in done], "left_out": left_out, "total_s": round(time.monotonic() - started, 1),
    }
    out = ROOT / "test-output" / f"faults-{stack.run_id}-{count}.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(record, indent=2))
    print(json.dumps(record, indent=2))
    for fault in done:
        assert fault.recovered - fault.ended <= recovery_bound, fault.summary()
    assert {name for _, name in restarts} == {f for f in faults if f in KILLED}  # and nothing else died
    return record


def test_faults_lose_nothing(stack, policy_server):
    """Short form (make test): 200 concerns; one fault of each kind (notify, which sends the notices, is the
    service killed)."""
    run_faults(stack, policy_server, code="820", count=200, pause=0.2,
               faults=["kafka", "postgres", "notify", "opa"], opa_outage=3.0)


@pytest.mark.slow
def test_faults_lose_nothing_over_a_long_burst(stack, policy_server):
    """Full form (make test-slow): 2,000 concerns; every fault: the broker, the database, each of the five
    services, OPA."""
    run_faults(stack, policy_server, code="820", count=int(os.environ.get("INFOHUS_FAULT_CONCERNS", "2000")),
               pause=0.1, faults=["kafka", "postgres", *KILLED, "opa"], opa_outage=10.0,
               recovery_bound=FULL_RECOVERY_BOUND)
