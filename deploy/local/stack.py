"""Start the five services and the web interface as processes, wait until they are ready, stop them cleanly.

``python deploy/local/stack.py`` is what ``make run`` runs after ``infra.sh up``. Tests import
``ServiceStack`` to run the same processes on their own ports, topics and databases.
"""

from __future__ import annotations

import argparse
import os
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

# The web interface (a gateway over the five services' APIs) first: it is what people open.
SERVICES = {"web": 8000, "intake": 8001, "assessment": 8002, "registry": 8003, "network": 8004, "notify": 8005}
ROOT = Path(__file__).resolve().parents[2]


@dataclass
class ServiceProcess:
    name: str
    port: int
    env: dict[str, str]
    log_path: Path
    process: subprocess.Popen | None = None
    started_at: float = 0.0
    quick_exits: int = 0  # exits in a row within a minute of starting: a crash loop is restarted less often

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> None:
        self.log_path.parent.mkdir(parents=True, exist_ok=True)
        log = self.log_path.open("ab")
        self.process = subprocess.Popen(
            [
                sys.executable, "-m", "uvicorn", f"infohus_{self.name}.app:create_app", "--factory",
                "--app-dir", str(ROOT / "services" / self.name),
                "--host", "127.0.0.1", "--port", str(self.port), "--no-access-log", "--log-level", "warning",
            ],
            env=self.env,
            stdout=log,
            stderr=subprocess.STDOUT,
            cwd=ROOT,
            start_new_session=True,
        )
        self.started_at = time.monotonic()

    def alive(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def ready(self) -> bool:
        try:
            with urllib.request.urlopen(f"{self.url}/readyz", timeout=3) as response:
                return response.status == 200
        except (urllib.error.URLError, OSError):
            return False

    def stop(self, sig: int = signal.SIGTERM, timeout: float = 15.0) -> None:
        if not self.alive():
            return
        assert self.process is not None
        self.process.send_signal(sig)
        try:
            self.process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()

    def kill(self) -> None:
        """SIGKILL: no shutdown hooks, no offset commits: a crash."""
        self.stop(signal.SIGKILL)

    def restart_if_dead(self) -> bool:
        """Start a process that was started and has exited since; True when it did. One that keeps exiting
        within a minute of its start is started again no sooner than 1, 2, 4 ... up to 30 s after its
        previous start."""
        if self.process is None or self.alive():
            return False
        now = time.monotonic()
        ran = now - self.started_at
        if ran >= 60:
            self.quick_exits = 0
        if self.quick_exits and ran < min(2 ** (self.quick_exits - 1), 30):
            return False
        self.quick_exits += 1
        self.start()
        return True


@dataclass
class ServiceStack:
    base_env: dict[str, str]
    ports: dict[str, int] = field(default_factory=lambda: dict(SERVICES))
    log_dir: Path = ROOT / "var" / "log"
    services: dict[str, ServiceProcess] = field(default_factory=dict)

    def __post_init__(self) -> None:
        # Every process learns where the others listen (the web interface calls the five services' APIs).
        urls = {f"INFOHUS_{name.upper()}_URL": f"http://127.0.0.1:{port}" for name, port in self.ports.items()}
        for name, port in self.ports.items():
            env = dict(self.base_env) | urls | {"PORT": str(port)}
            self.services[name] = ServiceProcess(name, port, env, self.log_dir / f"{name}.log")

    def __getitem__(self, name: str) -> ServiceProcess:
        return self.services[name]

    def start(self, timeout: float = 90.0) -> None:
        """Start every process and wait until all are ready; on failure none is left running (a process
        left over would answer another stack's readiness checks on the same port)."""
        taken = [f"{name} ({s.port})" for name, s in self.services.items() if port_taken(s.port)]
        if taken:
            raise RuntimeError(f"ports already in use, by another stack or program: {', '.join(taken)}")
        try:
            for service in self.services.values():
                service.start()
            self.wait_ready(timeout)
        except BaseException:
            self.stop()
            raise

    def wait_ready(self, timeout: float = 90.0, names: list[str] | None = None) -> None:
        waiting = {n: self.services[n] for n in (names or list(self.services))}
        deadline = time.monotonic() + timeout
        while waiting and time.monotonic() < deadline:
            for name, service in list(waiting.items()):
                if not service.alive():
                    raise RuntimeError(f"{name} exited; see {service.log_path}")
                if service.ready():
                    del waiting[name]
            time.sleep(0.3)
        if waiting:
            raise TimeoutError(f"not ready after {timeout:.0f}s: {', '.join(waiting)}")

    def restart_dead(self) -> list[str]:
        """The supervisor's step: start again every service that crashed or was killed; their names."""
        return [name for name, service in self.services.items() if service.restart_if_dead()]

    @contextmanager
    def supervised(self, interval: float = 0.2) -> Iterator[list[tuple[float, str]]]:
        """Restart dead services in a background thread while the block runs; yields (time, name) of
        every restart."""
        restarts: list[tuple[float, str]] = []
        done = threading.Event()

        def watch() -> None:
            while not done.wait(interval):
                restarts.extend((time.monotonic(), name) for name in self.restart_dead())

        watcher = threading.Thread(target=watch, name="stack-supervisor", daemon=True)
        watcher.start()
        try:
            yield restarts
        finally:
            done.set()
            watcher.join()

    def stop(self) -> None:
        for service in self.services.values():
            if service.alive():
                assert service.process is not None
                service.process.send_signal(signal.SIGTERM)
        for service in self.services.values():
            service.stop()


def stop_on_signals() -> threading.Event:
    """Set by Ctrl-C or SIGTERM: the runners' loops end when it is, then stop what they started."""
    stopping = threading.Event()
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, lambda *_: stopping.set())
    return stopping


def port_taken(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=0.5):
            return True
    except OSError:
        return False


def main() -> int:
    parser = argparse.ArgumentParser(description="Run the five Infohus services and the web interface until Ctrl-C.")
    parser.add_argument("--timeout", type=float, default=120.0, help="seconds to wait for readiness")
    args = parser.parse_args()
    env = dict(os.environ)
    if "INFOHUS_ADDRESSING_KEY" not in env:  # development: a key kept beside the dev identity provider's
        from infohus_platform.devidp import dev_addressing_key

        env["INFOHUS_ADDRESSING_KEY"] = dev_addressing_key(Path(env.get("INFOHUS_DEV_IDP_DIR", "var/dev-idp")))
    stack = ServiceStack(env)
    print("Starting the web interface, intake, assessment, registry, network and notify ...", flush=True)
    stopping = stop_on_signals()
    try:
        stack.start(args.timeout)
        print("\nAll services are ready:", flush=True)
        for name, service in stack.services.items():
            docs = "" if name == "web" else f"docs {service.url}/docs, "  # the web interface has pages, not an API
            print(f"  {name:<11} {service.url}   ({docs}ready {service.url}/readyz)")
        print(f"\nOpen the web interface at {stack['web'].url}/log-ind", flush=True)
        print(f"Logs in {stack.log_dir}. Press Ctrl-C to stop.", flush=True)
        while not stopping.is_set():
            for name in stack.restart_dead():
                print(f"{name} exited unexpectedly and was started again; see {stack[name].log_path}",
                      file=sys.stderr, flush=True)
            time.sleep(0.5)
    except (TimeoutError, RuntimeError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        stack.stop()
        return 1
    print("\nStopping services ...", flush=True)
    stack.stop()
    print("Stopped.", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
