"""Many people reading at once: every read of personal data is answered and logged, and the log still verifies.

Each read appends to the hash-chained processing log in its own transaction; parallel reads must neither
fail (an integrity error in the chain was a 500) nor wait for one another on a single head row. Twice:
over the suite's PostgreSQL stack, and over intake, assessment and registry on their embedded default,
an SQLite file each (real Kafka and OPA, this module's own topics).
"""

import asyncio
import json
import os
import subprocess
import sys
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from types import SimpleNamespace

import httpx
import pytest
from sqlalchemy import delete, text, update
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import create_async_engine
from sqlmodel import SQLModel, col, func, select
from stack import SERVICES, ServiceStack

import samples
from infohus_platform.audit.processing_log import (
    PROCESSING_LOG_TABLES,
    ProcessingLogEntry,
    Verification,
    ensure_head,
    record,
    verify,
)
from infohus_platform.db import Database
from support import DEV_IDP_DIR, ROOT, bearer, eventually, json_if_ok, query, submit_concern

PARALLEL, ROUNDS = 20, 5
EMBEDDED = ("intake", "assessment", "registry")


@pytest.fixture(scope="module")
def embedded(infra_env, run_id, notify_setup, policy_server, tmp_path_factory) -> Iterator[SimpleNamespace]:
    """Intake, assessment and registry on SQLite (no ``DATABASE_URL``), on ports base+10.., own topics."""
    prefix = f"{run_id}s."
    acls = [sys.executable, "-m", "infohus_tools.kafka_acls"]
    kafka_env = dict(os.environ) | infra_env
    secured = infra_env.get("KAFKA_SECURITY_PROTOCOL", "PLAINTEXT") != "PLAINTEXT"
    if secured:
        partners = json.loads(Path(notify_setup.env["NOTIFY_PARTNERS_FILE"]).read_text("utf-8"))
        names = ["sbsys", *(p["id"] for p in partners.get("partners", []) if p.get("kafka"))]
        command = [*acls, "apply", "--prefix", prefix]
        for partner in dict.fromkeys(names):
            command += ["--partner", partner]
        subprocess.run(command, check=True, env=kafka_env, stdout=subprocess.DEVNULL)
    data_dir = tmp_path_factory.mktemp("embedded")
    env = dict(os.environ) | infra_env | notify_setup.env | {
        "OPA_URL": policy_server.url, "KAFKA_TOPIC_PREFIX": prefix, "INFOHUS_DATA_DIR": str(data_dir),
        "OUTBOX_POLL_SECONDS": "0.5", "INFOHUS_DEV_IDP_DIR": str(DEV_IDP_DIR),
    }
    env.pop("DATABASE_URL")
    base = int(os.environ.get("INFOHUS_TEST_PORT_BASE", "18000")) + 10
    services = ServiceStack(env, ports={name: base + port - 8000 for name, port in SERVICES.items()},
                            log_dir=ROOT / "test-output" / "logs" / f"{run_id}-embedded")
    for name in EMBEDDED:
        services[name].start()
    clients = {name: httpx.Client(base_url=services[name].url, timeout=30) for name in EMBEDDED}
    try:
        services.wait_ready(120, names=list(EMBEDDED))
        yield SimpleNamespace(api=clients, data_dir=data_dir, env={
            "INFOHUS_DATA_DIR": str(data_dir), "PATH": "/usr/bin:/bin"})
    finally:
        for client in clients.values():
            client.close()
        for name in EMBEDDED:
            services[name].stop()
        if secured:
            subprocess.run([*acls, "revoke", "--prefix", prefix], env=kafka_env, stdout=subprocess.DEVNULL)


def sqlite_column(data_dir: Path, service: str, sql: str, **params: str) -> list:
    """One column of rows in a service's SQLite file, read directly (what the service really stored)."""

    async def run() -> list:
        db = Database(f"sqlite+aiosqlite:///{data_dir / f'{service}.db'}")
        await db.start()
        try:
            async with db.engine.connect() as connection:
                return list((await connection.execute(text(sql), params)).scalars())
        finally:
            await db.dispose()

    return asyncio.run(run())


@pytest.fixture(params=["postgresql", "sqlite"])
def backend(request) -> SimpleNamespace:
    """Where the services keep their data: the suite's PostgreSQL stack, or the embedded SQLite default."""
    if request.param == "postgresql":
        stack = request.getfixturevalue("stack")

        def logged(service: str, subject: str, action: str) -> list[int]:
            return [row["chain"] for row in query(stack, service, "SELECT chain FROM processing_log "
                                                  "WHERE subject_ref = $1 AND action = $2", subject, action)]

        return SimpleNamespace(api=request.getfixturevalue("api"), logged=logged,
                               verify_env={"DATABASE_URL": stack.database_url, "PATH": "/usr/bin:/bin"})
    embedded = request.getfixturevalue("embedded")

    def logged_in_file(service: str, subject: str, action: str) -> list[int]:
        return sqlite_column(embedded.data_dir, service, "SELECT chain FROM processing_log "
                             "WHERE subject_ref = :subject AND action = :action", subject=subject, action=action)

    return SimpleNamespace(api=embedded.api, logged=logged_in_file, verify_env=embedded.env)


def read_in_parallel(client: httpx.Client, path: str, headers: dict[str, str]) -> list[int]:
    """``PARALLEL`` simultaneous GETs of one path, ``ROUNDS`` times; every status code."""
    statuses: list[int] = []
    with ThreadPoolExecutor(max_workers=PARALLEL) as pool:
        for _ in range(ROUNDS):
            statuses += pool.map(lambda _: client.get(path, headers=headers).status_code, range(PARALLEL))
    return statuses


def test_parallel_reads_of_a_registration_and_a_case_are_all_answered_and_logged(backend):
    api = backend.api
    concern_id = submit_concern(api, samples.concern(municipality_code="820")).json()["concern_id"]
    registrar, coordinator = bearer("registration_coordinator"), bearer("ssp_coordinator")
    reads = {"registry": (f"/api/v1/registrations/{concern_id}", registrar, "registration.read"),
             "assessment": (f"/api/v1/cases/by-concern/{concern_id}", coordinator, "case.read")}
    for service, (path, headers, _) in reads.items():
        eventually(lambda: json_if_ok(api[service].get(path, headers=headers)))
    before = {service: len(backend.logged(service, concern_id, action)) for service, (_, _, action) in reads.items()}

    statuses = {service: read_in_parallel(api[service], path, headers) for service, (path, headers, _) in reads.items()}

    for service, (_, _, action) in reads.items():
        assert statuses[service] == [200] * PARALLEL * ROUNDS, (service, sorted(set(statuses[service])))
        chains = backend.logged(service, concern_id, action)
        assert len(chains) == before[service] + PARALLEL * ROUNDS, service  # every read is on record, once
        assert len(set(chains)) > 1, service  # parallel readers appended to different chains
    verified = subprocess.run([sys.executable, "-m", "infohus_tools.verify_log"], env=backend.verify_env,
                              capture_output=True, text=True, cwd=ROOT)
    assert verified.returncode == 0, verified.stdout + verified.stderr
    assert "registry" in verified.stdout and "assessment" in verified.stdout


async def test_fifty_writers_at_once_on_postgresql_append_side_by_side_and_tampering_is_found(infra_env, run_id):
    """The log alone on a throwaway database of the suite's server: no writer fails, several chains fill at once."""
    url = infra_env["DATABASE_URL"].rsplit("/", 1)[0] + f"/{run_id}_chains"
    db = Database(url)
    await db.start()
    try:
        tables = [t.__table__ for t in PROCESSING_LOG_TABLES]
        await db.run_sync(lambda c: SQLModel.metadata.create_all(c, tables=tables))
        async with db.session() as session:
            await ensure_head(session)

        async def one_request(n: int) -> None:
            async with db.session() as session:
                await session.exec(select(func.count()).select_from(ProcessingLogEntry))
                await record(session, actor=f"u-{n}", action="registration.read", purpose="prevention",
                             subjects=[f"c-{n}"], data_classes=["identity"], decision_id=f"d-{n}")
                await session.commit()

        await asyncio.gather(*(one_request(n) for n in range(50)))
        async with db.session() as session:
            assert await verify(session) == Verification(True, 50)
            lengths = dict((await session.exec(select(ProcessingLogEntry.chain, func.max(ProcessingLogEntry.seq))
                                               .group_by(col(ProcessingLogEntry.chain)))).all())
            assert len(lengths) > 1  # writers did not queue behind one head
            chain = max(lengths, key=lambda c: lengths[c])
            await session.exec(delete(ProcessingLogEntry).where(col(ProcessingLogEntry.chain) == chain,
                                                                col(ProcessingLogEntry.seq) == lengths[chain]))
            await session.commit()
            deleted = await verify(session)
            assert not deleted.ok and deleted.problem == (
                f"chain {chain}: entries after {lengths[chain] - 1} deleted (head says {lengths[chain]})")
            await session.exec(update(ProcessingLogEntry).where(col(ProcessingLogEntry.chain) == chain,
                                                                col(ProcessingLogEntry.seq) == 1).values(actor="x"))
            await session.commit()
            changed = await verify(session)
            assert not changed.ok and changed.problem == f"chain {chain} entry 1: content changed"
    finally:
        await db.dispose()
        admin = create_async_engine(make_url(url).set(database="postgres"), isolation_level="AUTOCOMMIT")
        async with admin.connect() as connection:
            await connection.execute(text(f'DROP DATABASE IF EXISTS "{make_url(url).database}"'))
        await admin.dispose()
