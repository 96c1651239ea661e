"""Fixtures shared by the whole suite.

Integration tests run against the real Kafka, OPA and PostgreSQL. Where the environment does not
name them (``KAFKA_BOOTSTRAP_SERVERS``, ``OPA_URL``, ``DATABASE_URL``), ``deploy/local/infra.sh up``
starts the local ones. Each test session gets its own topic prefix and databases.
"""

import json
import os
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "deploy" / "local"))
sys.path.insert(0, str(ROOT / "tests"))

from stack import SERVICES, ServiceStack  # noqa: E402

from notify_fixtures import NotifySetup, notify_setup, smtp_sink, webhook_receiver  # noqa: E402,F401
from support import DEV_IDP_DIR, bearer  # noqa: E402

OUTPUT = ROOT / "test-output"


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if "integration" in item.path.parts:
            item.add_marker(pytest.mark.integration)
    # The fuzz run writes whatever the documents allow into the session's stack: after every other test.
    items.sort(key=lambda item: item.path.name == "test_fuzz.py")


KAFKA_SECURITY = ("KAFKA_SECURITY_PROTOCOL", "KAFKA_SASL_MECHANISM", "KAFKA_CREDENTIALS_FILE")
# The district's exchange cluster (a second Kafka, infra.sh component exchange): its address and SASL settings.
EXCHANGE = ("EXCHANGE_BOOTSTRAP_SERVERS", "EXCHANGE_SECURITY_PROTOCOL", "EXCHANGE_SASL_MECHANISM",
            "EXCHANGE_CREDENTIALS_FILE")


@pytest.fixture(scope="session")
def infra_env() -> dict[str, str]:
    """Environment naming the real broker, OPA and PostgreSQL; starts the local ones if needed.

    ``infra.sh up`` always runs: it leaves external components alone, takes a fraction of a second
    when everything runs, and restarts Kafka when its security settings or principals changed.
    """
    needed = ("KAFKA_BOOTSTRAP_SERVERS", "OPA_URL", "DATABASE_URL")
    subprocess.run(["bash", str(ROOT / "deploy/local/infra.sh"), "up"], check=True)
    printed = subprocess.run(
        ["bash", str(ROOT / "deploy/local/infra.sh"), "env"], check=True, capture_output=True, text=True
    ).stdout
    env = {}
    for token in printed.replace("export", " ").split():
        if "=" in token:
            key, value = token.split("=", 1)
            env[key] = value.strip("'\"")
    result = {name: os.environ.get(name) or env[name] for name in needed}
    for name in (*KAFKA_SECURITY, *EXCHANGE):  # the local brokers require SASL; the tests' clients read these
        if os.environ.get(name) or env.get(name):
            result[name] = os.environ[name] = os.environ.get(name) or env[name]
    return result


@pytest.fixture(scope="session")
def kafka_acls(infra_env: dict[str, str], run_id: str, notify_setup: NotifySetup) -> Iterator[str]:
    """This run's topics and ACLs on a SASL broker, derived from the topic catalogue; yields the prefix.

    Partners: sbsys, and every partner notify's partner file gives a Kafka topic. At the end the grants
    are revoked and the topics deleted: a broker that kept every run's topics took minutes to restart.
    """
    prefix = f"{run_id}."
    if infra_env.get("KAFKA_SECURITY_PROTOCOL", "PLAINTEXT") == "PLAINTEXT":
        yield prefix  # no authorizer: the topics are auto-created
        return
    partners_file = json.loads(Path(notify_setup.env["NOTIFY_PARTNERS_FILE"]).read_text("utf-8"))
    partners = ["sbsys", *(p["id"] for p in partners_file.get("partners", []) if p.get("kafka"))]
    command = [sys.executable, "-m", "infohus_tools.kafka_acls", "apply", "--prefix", prefix]
    for partner in dict.fromkeys(partners):
        command += ["--partner", partner]
    env = dict(os.environ) | infra_env
    subprocess.run(command, check=True, env=env, stdout=subprocess.DEVNULL)
    yield prefix
    subprocess.run([sys.executable, "-m", "infohus_tools.kafka_acls", "revoke", "--prefix", prefix],
                   env=env, stdout=subprocess.DEVNULL)


class PolicyServer:
    """The suite's own OPA server on the repo's policies, so a test can stop it without harming others."""

    def __init__(self, port: int, log_path: Path) -> None:
        cache = Path(os.environ.get("INFOHUS_CACHE", "/var/tmp/infohus"))
        self.binary = cache / "bin" / "opa"
        self.port = port
        self.url = f"http://127.0.0.1:{port}"
        self.log_path = log_path
        self.process: subprocess.Popen | None = None

    def start(self) -> None:
        self.log_path.parent.mkdir(parents=True, exist_ok=True)
        self.process = subprocess.Popen(
            [str(self.binary), "run", "--server", f"--addr=127.0.0.1:{self.port}", "--skip-version-check",
             "--set=decision_logs.console=true", "--ignore=*_test.rego", str(ROOT / "policies")],
            stdout=self.log_path.open("ab"), stderr=subprocess.STDOUT,
        )
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            if self.healthy():
                return
            time.sleep(0.1)  # the poll interval, also when OPA answers but is not healthy yet
        raise RuntimeError(f"OPA did not start on {self.url}; see {self.log_path}")

    def healthy(self) -> bool:
        try:
            return httpx.get(f"{self.url}/health", timeout=1).status_code == 200
        except httpx.HTTPError:
            return False

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(timeout=10)


@pytest.fixture(scope="session")
def policy_server(infra_env: dict[str, str], run_id: str) -> Iterator[PolicyServer]:
    subprocess.run(["bash", str(ROOT / "deploy/local/infra.sh"), "provision"], check=True, capture_output=True)
    base = int(os.environ.get("INFOHUS_TEST_PORT_BASE", "18000"))
    server = PolicyServer(base + 81, OUTPUT / "logs" / run_id / "opa.log")
    server.start()
    yield server
    server.stop()


@pytest.fixture(scope="session")
def district_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A development district (nordjylland: municipality instances 820 and 851, the police district, the network):
    its document, each organisation's keys and OPA data (``infohus_tools.district``)."""
    from infohus_tools.district import init

    folder = tmp_path_factory.mktemp("district")
    init(folder, "nordjylland", ["820", "851"], "t")
    return folder


@pytest.fixture(scope="session")
def run_id() -> str:
    return f"t{uuid.uuid4().hex[:8]}"


@pytest.fixture(scope="session")
def stack(infra_env: dict[str, str], run_id: str, tmp_path_factory: pytest.TempPathFactory,
          notify_setup: NotifySetup, policy_server: PolicyServer, kafka_acls: str) -> Iterator[ServiceStack]:
    database_url = infra_env["DATABASE_URL"].rsplit("/", 1)[0] + f"/{run_id}"
    env = dict(os.environ) | infra_env | {
        "OPA_URL": policy_server.url,
        "DATABASE_URL": database_url,
        "KAFKA_TOPIC_PREFIX": kafka_acls,  # this run's topics, created with their ACLs
        "INFOHUS_DATA_DIR": str(tmp_path_factory.mktemp("data")),
        "OUTBOX_POLL_SECONDS": "0.5",
        "AGGREGATE_INTERVAL_SECONDS": "1",  # the network's aggregates a second after a change
        "INFOHUS_DEV_IDP_DIR": str(DEV_IDP_DIR),
    }
    env |= notify_setup.env  # SMTP server, Digital Post folder, staff and partners for notify
    # INFOHUS_TEST_PORT_BASE lets two test runs share one machine (default ports 18000-18005).
    base = int(os.environ.get("INFOHUS_TEST_PORT_BASE", "18000"))
    ports = {name: base + port - 8000 for name, port in SERVICES.items()}  # web base+0, intake base+1, ...
    services = ServiceStack(env, ports=ports, log_dir=OUTPUT / "logs" / run_id)
    services.database_url = database_url  # type: ignore[attr-defined]
    services.run_id = run_id  # type: ignore[attr-defined]
    services.start(timeout=120)
    yield services
    services.stop()


@pytest.fixture(scope="session")
def api(stack: ServiceStack) -> Iterator[dict[str, httpx.Client]]:
    clients = {name: httpx.Client(base_url=service.url, timeout=10) for name, service in stack.services.items()}
    yield clients
    for client in clients.values():
        client.close()


@pytest.fixture(scope="session")
def as_user():
    return bearer
