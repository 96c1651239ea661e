"""A small district of instances on this machine: two municipalities, the police district and the district network.

``make district`` runs ``python deploy/local/district.py`` after ``infra.sh up kafka exchange`` and
``infra.sh provision opa``. Each organisation gets its own ports, databases (SQLite files under its folder, or
its own PostgreSQL databases when ``DATABASE_URL`` is set), OPA server (on ``policies/`` and its copy of the
district document), signing key, identity provider, topic prefix on the instance cluster and principal on the
exchange cluster. Tests import ``DistrictStack`` to run the same on their own ports and prefixes.

Locally the four instances share one instance-internal Kafka cluster (each under its own topic prefix, with the
services' principals) because four more brokers do not fit on two cores; in production each organisation runs
its own. What crosses between organisations goes only over the exchange cluster, where each organisation is its
own principal with the ACLs of its links (``kafka_acls exchange-apply``).
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

from stack import ROOT, ServiceStack, stop_on_signals

KIND_SERVICES = {
    "municipality": ("web", "intake", "assessment", "registry", "notify"),
    "police": ("web", "intake", "assessment", "registry", "notify"),
    "network": ("network", "notify"),
}
# Within an instance's block of ten ports: the same order as make run's 8000-8005, OPA last.
OFFSETS = {"web": 0, "intake": 1, "assessment": 2, "registry": 3, "network": 4, "notify": 5, "opa": 8}


def opa_binary() -> Path:
    return Path(os.environ.get("INFOHUS_CACHE", "/var/tmp/infohus")) / "bin" / "opa"


@dataclass
class PolicyProcess:
    """One organisation's own OPA server: the repository's policies and its copy of the district document."""

    port: int
    data_dir: Path
    log_path: Path
    process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> None:
        self.log_path.parent.mkdir(parents=True, exist_ok=True)
        self.process = subprocess.Popen(
            [str(opa_binary()), "run", "--server", f"--addr=127.0.0.1:{self.port}", "--skip-version-check",
             "--log-format=json", "--set=decision_logs.console=true", "--ignore=*_test.rego",
             str(ROOT / "policies"), str(self.data_dir)],
            stdout=self.log_path.open("ab"), stderr=subprocess.STDOUT, start_new_session=True,
        )

    def healthy(self) -> bool:
        try:
            with urllib.request.urlopen(f"{self.url}/health", timeout=1) as response:
                return response.status == 200
        except (urllib.error.URLError, OSError):
            return False

    def wait_ready(self, timeout: float = 30.0) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.healthy():
                return
            if self.process is not None and self.process.poll() is not None:
                break
            time.sleep(0.1)
        raise RuntimeError(f"OPA on {self.url} did not start; see {self.log_path}")

    def alive(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def stop(self) -> None:
        if self.alive():
            assert self.process is not None
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


@dataclass
class Instance:
    """One organisation's instance: its kind, its OPA and its services."""

    org: str
    kind: str
    opa: PolicyProcess
    services: ServiceStack
    env: dict[str, str]

    def url(self, service: str) -> str:
        return self.services[service].url


@dataclass
class DistrictStack:
    base_env: dict[str, str]
    root: Path
    port_base: int = 8100
    district: str = "nordjylland"
    municipalities: tuple[str, ...] = ("820", "851")
    prefix: str = ""
    """Prefix of every topic and consumer group of this district run (the tests use one per run)."""
    database_url: str | None = None
    without: tuple[str, ...] = ()
    """Services not started in any instance (the tests leave out the web interface)."""
    instances: dict[str, Instance] = field(default_factory=dict)

    def __post_init__(self) -> None:
        from infohus_platform.devidp import dev_addressing_key, org_issuer
        from infohus_tools.district import init

        document = init(self.root, self.district, list(self.municipalities), "dev-1")
        self.document = document
        index_key = (self.root / "index-key").read_text("utf-8").strip()
        for number, (org, found) in enumerate(document.organisations.items()):
            kind = found.kind.value
            block = self.port_base + 10 * number
            folder = self.root / org
            ports = {name: block + OFFSETS[name] for name in KIND_SERVICES[kind] if name not in self.without}
            opa = PolicyProcess(block + OFFSETS["opa"], folder / "opa", folder / "log" / "opa.log")
            env = dict(self.base_env) | {
                "INFOHUS_ORG": org,
                "INFOHUS_REGIME": "rhl" if kind == "police" else "gdpr",
                "INFOHUS_DISTRICT_FILE": str(self.root / "district.json"),
                "EXCHANGE_SIGNING_KEY_FILE": str(folder / "signing-key.json"),
                "EXCHANGE_TOPIC_PREFIX": self.prefix,
                "DISTRICT_INDEX_KEY": index_key,
                "KAFKA_TOPIC_PREFIX": self.internal_prefix(org),
                "OPA_URL": opa.url,
                "INFOHUS_DATA_DIR": str(folder / "data"),
                "INFOHUS_DEV_IDP_DIR": str(folder / "idp"),
                "OIDC_ISSUER": org_issuer(org),
                "INFOHUS_ADDRESSING_KEY": dev_addressing_key(folder / "idp"),
                "DIGITAL_POST_DIR": str(folder / "digital-post"),
                "NOTIFY_CONTROLLER_NAME": found.name,  # the letters name this organisation as the controller
                "OUTBOX_POLL_SECONDS": self.base_env.get("OUTBOX_POLL_SECONDS", "0.5"),
                "AGGREGATE_INTERVAL_SECONDS": self.base_env.get("AGGREGATE_INTERVAL_SECONDS", "1"),
            }
            env.pop("INFOHUS_MUNICIPALITIES", None)  # each serves what its org says
            if "web" in ports:
                env |= {"WEB_PUBLIC_URL": f"http://127.0.0.1:{ports['web']}",
                        "NOTIFY_UI_BASE_URL": f"http://127.0.0.1:{ports['web']}"}
            if self.database_url:
                env["DATABASE_URL"] = f"{self.database_url}_{org.replace('-', '_')}"
            else:
                env.pop("DATABASE_URL", None)
            services = ServiceStack(env, ports=ports, log_dir=folder / "log")
            self.instances[org] = Instance(org, kind, opa, services, env)

    def internal_prefix(self, org: str) -> str:
        return f"{self.prefix}{org}."

    def __getitem__(self, org: str) -> Instance:
        return self.instances[org]

    def provision_topics(self) -> None:
        """Each instance's own topics and ACLs on the instance cluster, and the district's links on the exchange."""
        self._acls("apply", "exchange-apply", check=True)

    def revoke_topics(self) -> None:
        self._acls("revoke", "exchange-revoke", check=False)

    def _acls(self, internal: str, exchange: str, *, check: bool) -> None:
        """``kafka_acls`` for every instance's prefix and for the district's links, where a broker authorizes."""
        env = dict(os.environ) | self.base_env
        runs = []
        if env.get("KAFKA_SECURITY_PROTOCOL", "PLAINTEXT") != "PLAINTEXT":
            runs += [[internal, "--prefix", self.internal_prefix(org)] for org in self.instances]
        if env.get("EXCHANGE_SECURITY_PROTOCOL", "PLAINTEXT") != "PLAINTEXT":
            runs.append([exchange, "--district-file", str(self.root / "district.json"), "--prefix", self.prefix])
        for arguments in runs:
            subprocess.run([sys.executable, "-m", "infohus_tools.kafka_acls", *arguments], check=check, env=env,
                           stdout=subprocess.DEVNULL)

    def start(self, timeout: float = 180.0) -> None:
        try:
            for instance in self.instances.values():
                instance.opa.start()
            for instance in self.instances.values():
                instance.opa.wait_ready()
            for instance in self.instances.values():
                for service in instance.services.services.values():
                    service.start()
            deadline = time.monotonic() + timeout
            for instance in self.instances.values():
                instance.services.wait_ready(max(deadline - time.monotonic(), 1.0))
        except BaseException:
            self.stop()
            raise

    def restart_dead(self) -> list[str]:
        return [f"{org}/{name}" for org, instance in self.instances.items()
                for name in instance.services.restart_dead()]

    def stop(self) -> None:
        for instance in self.instances.values():
            instance.services.stop()
        for instance in self.instances.values():
            instance.opa.stop()


def main() -> int:
    parser = argparse.ArgumentParser(description="Run a small district: two municipalities, police and network.")
    parser.add_argument("--port-base", type=int, default=8100, help="first port; each instance takes ten")
    parser.add_argument("--data-dir", type=Path, default=ROOT / "var" / "district")
    parser.add_argument("--municipalities", default="820,851")
    parser.add_argument("--timeout", type=float, default=180.0)
    args = parser.parse_args()
    district = DistrictStack(dict(os.environ), args.data_dir, port_base=args.port_base,
                             municipalities=tuple(c.strip() for c in args.municipalities.split(",") if c.strip()),
                             database_url=os.environ.get("INFOHUS_DISTRICT_DATABASE_URL"))
    stopping = stop_on_signals()
    print(f"District {district.district}: {', '.join(district.instances)} ...", flush=True)
    try:
        district.provision_topics()
        district.start(args.timeout)
    except (TimeoutError, RuntimeError, subprocess.CalledProcessError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    print("\nAll instances are ready:", flush=True)
    for org, instance in district.instances.items():
        print(f"\n  {org} ({instance.kind}, regime {instance.env['INFOHUS_REGIME']}, OPA {instance.opa.url})")
        for name, service in instance.services.services.items():
            print(f"    {name:<11} {service.url}")
    print(f"\nTrust list {district.root / 'district.json'}; logs under {district.root}/<org>/log. Ctrl-C stops.",
          flush=True)
    while not stopping.is_set():
        for name in district.restart_dead():
            print(f"{name} exited unexpectedly and was started again", file=sys.stderr, flush=True)
        time.sleep(0.5)
    print("\nStopping the district ...", flush=True)
    district.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
