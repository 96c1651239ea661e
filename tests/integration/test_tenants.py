"""Tenants never leak: kommune-820's instance refuses, dead-letters, finds and removes other municipalities' data."""

import asyncio
import json
import os
import subprocess
import sys
from datetime import UTC, datetime
from uuid import uuid4

import samples
from support import (
    ROOT,
    bearer,
    eventually,
    headers_of,
    json_if_ok,
    produce,
    query,
    read_topic,
    service_dsn,
    submit_concern,
)

FOREIGN = "851"  # Aalborg: the same police district, another controller


def test_intake_refuses_a_concern_for_a_municipality_it_does_not_serve(api, stack):
    body = samples.concern(municipality_code=FOREIGN)
    for headers in (bearer("ssp_coordinator"), bearer("ssp_coordinator_851")):
        response = api["intake"].post("/api/v1/concerns", json=body, headers=headers)
        assert response.status_code == 422, response.text
        errors = [e for e in response.json()["errors"] if e["field"] == "municipality_code"]
        assert len(errors) == 1 and errors[0]["type"] == "tenant"
        assert "Infohus Kommune 820 modtager ikke bekymringer for Aalborg Kommune (851)" in errors[0]["reason"]
        for personal in (body["person"]["name"], body["person"]["cpr"], body["reporter"]["name"]):
            assert personal not in response.text
    # The same shape as any other invalid request.
    invalid = submit_concern(api, samples.concern(municipality_code="999"))
    assert invalid.status_code == 422
    assert set(invalid.json()) == set(response.json())
    assert set(invalid.json()["errors"][0]) == set(errors[0])
    assert query(stack, "intake", "SELECT count(*) AS n FROM concern WHERE municipality_code = $1",
                 FOREIGN)[0]["n"] == 0


def ce_headers(event_type: str, subject: str) -> dict[str, str]:
    return {"ce_id": str(uuid4()), "ce_source": f"/infohus/kommune-{FOREIGN}/intake", "ce_type": event_type,
            "ce_specversion": "1.0", "ce_time": datetime.now(UTC).isoformat(), "ce_subject": subject,
            "content-type": "application/json"}


def dead_letter(infra_env, topic: str, event_id: str):
    def find():
        records = asyncio.run(read_topic(infra_env["KAFKA_BOOTSTRAP_SERVERS"], topic + ".dlq", expect=10_000,
                                         timeout=3))
        return next((r for r in records if headers_of(r).get("ce_id") == event_id), None)

    return eventually(find, timeout=60, interval=0.5)


def foreign_concern() -> dict:
    return samples.concern(municipality_code=FOREIGN) | {"concern_id": str(uuid4()),
                                                          "received_at": datetime.now(UTC).isoformat()}


def test_assessment_dead_letters_a_foreign_concern_sent_straight_to_kafka(api, stack, infra_env):
    concern = foreign_concern()
    topic = f"{stack.run_id}.infohus.concern.received.v1"
    headers = ce_headers("dk.infohus.concern.received.v1", concern["concern_id"])
    asyncio.run(produce(infra_env["KAFKA_BOOTSTRAP_SERVERS"], topic, json.dumps(concern).encode(), headers,
                        key=concern["concern_id"].encode()))
    dead = headers_of(dead_letter(infra_env, topic, headers["ce_id"]))
    assert dead["dlq_service"] == "assessment"
    assert "municipality 851 is not served" in dead["dlq_reason"]
    assert query(stack, "assessment", "SELECT count(*) AS n FROM case_file WHERE concern_id = $1",
                 concern["concern_id"])[0]["n"] == 0
    assert query(stack, "assessment", "SELECT count(*) AS n FROM processed_event WHERE event_id = $1",
                 headers["ce_id"])[0]["n"] == 0

    # The consumer carries on: the next concern of its own becomes a case.
    own = submit_concern(api, samples.concern()).json()["concern_id"]
    eventually(lambda: json_if_ok(api["assessment"].get(f"/api/v1/cases/by-concern/{own}",
                                                        headers=bearer("ssp_coordinator"))))


def test_the_registry_dead_letters_a_foreign_case_opening(stack, infra_env):
    concern = {k: v for k, v in foreign_concern().items() if k != "reporter"}
    event = {"kind": "case.opened", "case_id": str(uuid4()), "opened_at": datetime.now(UTC).isoformat(),
             "lead": "ssp_coordinator", "concern": concern}
    topic = f"{stack.run_id}.infohus.case.events.v1"
    headers = ce_headers("dk.infohus.case.opened.v1", concern["concern_id"])
    asyncio.run(produce(infra_env["KAFKA_BOOTSTRAP_SERVERS"], topic, json.dumps(event).encode(), headers,
                        key=concern["concern_id"].encode()))
    dead = headers_of(dead_letter(infra_env, topic, headers["ce_id"]))
    assert dead["dlq_service"] == "registry" and "municipality 851 is not served" in dead["dlq_reason"]
    assert query(stack, "registry", "SELECT count(*) AS n FROM registration WHERE concern_id = $1",
                 concern["concern_id"])[0]["n"] == 0


# --- what is already stored under the wrong controller ------------------------------------------------------------

COPY = """INSERT INTO {table} SELECT (jsonb_populate_record(NULL::{table}, to_jsonb(t) || $2::jsonb)).*
          FROM {table} t WHERE {key} = $1"""


def execute(stack, service: str, sql: str, *args) -> None:
    import asyncpg

    async def run() -> None:
        connection = await asyncpg.connect(service_dsn(stack, service))
        try:
            await connection.execute(sql, *args)
        finally:
            await connection.close()

    asyncio.run(run())


def copy_row(stack, service: str, table: str, key: str, value: str, changes: dict) -> None:
    execute(stack, service, COPY.format(table=table, key=key), value, json.dumps(changes))


def stored_abroad(api, stack) -> tuple[str, dict[str, str]]:
    """An 820 concern's rows in every service copied as if they were 851's (what an instance stored before it
    refused other municipalities): the concern, its case, registration, notice and the notice's delivery."""
    own = submit_concern(api, samples.concern()).json()["concern_id"]
    delivery = eventually(lambda: query(stack, "notify", "SELECT d.delivery_id, n.notification_id FROM delivery d "
                                                         "JOIN notification n USING (notification_id) "
                                                         "WHERE n.concern_id = $1", own), timeout=120)[0]
    ids = {"concern_id": str(uuid4()), "case_id": str(uuid4()), "notification_id": str(uuid4()),
           "delivery_id": str(uuid4())}
    foreign = {"concern_id": ids["concern_id"], "municipality_code": FOREIGN}
    copy_row(stack, "intake", "concern", "concern_id", own, foreign)
    copy_row(stack, "assessment", "case_file", "concern_id", own, foreign | {"case_id": ids["case_id"]})
    copy_row(stack, "registry", "registration", "concern_id", own, foreign | {"case_id": ids["case_id"]})
    copy_row(stack, "notify", "notification", "concern_id", own,
             foreign | {"notification_id": ids["notification_id"]})
    copy_row(stack, "notify", "delivery", "delivery_id", delivery["delivery_id"],
             {"delivery_id": ids["delivery_id"], "notification_id": ids["notification_id"],
              "dedupe_key": ids["delivery_id"]})
    return own, ids


def tenants(stack, *args: str) -> subprocess.CompletedProcess:
    env = dict(stack.base_env) | {"PYTHONPATH": os.pathsep.join(sys.path)}
    return subprocess.run([sys.executable, "-m", "infohus_tools.tenants", *args], env=env, cwd=ROOT,
                          capture_output=True, text=True, timeout=120, stdin=subprocess.DEVNULL)


WHERE = {"intake": ("concern", "concern_id"), "assessment": ("case_file", "concern_id"),
         "registry": ("registration", "concern_id"), "notify": ("notification", "concern_id")}


def rows_of(stack, concern_id: str) -> dict[str, int]:
    counts = {service: query(stack, service, f"SELECT count(*) AS n FROM {table} WHERE {key} = $1",
                             concern_id)[0]["n"] for service, (table, key) in WHERE.items()}
    return counts | {"delivery": query(stack, "notify", "SELECT count(*) AS n FROM delivery d JOIN notification n "
                                                        "USING (notification_id) WHERE n.concern_id = $1",
                                       concern_id)[0]["n"]}


def logged(stack, service: str, action: str, concern_id: str) -> bool:
    return bool(query(stack, service, "SELECT 1 FROM processing_log WHERE action = $1 AND subject_ref = $2",
                      action, concern_id))


def test_check_finds_rows_of_unserved_municipalities_and_move_exports_and_removes_them(api, stack, tmp_path):
    own, ids = stored_abroad(api, stack)
    foreign = ids["concern_id"]
    assert rows_of(stack, foreign) == {"intake": 1, "assessment": 1, "registry": 1, "notify": 1, "delivery": 1}

    check = tenants(stack, "check")
    assert check.returncode == 1, check.stdout + check.stderr
    found = {tuple(parts[:3]): int(parts[3]) for line in check.stdout.splitlines()
             if len(parts := line.split()) == 4 and parts[3].isdigit()}
    for service, table in (("intake", "concern"), ("assessment", "case_file"), ("registry", "registration"),
                           ("notify", "notification")):
        assert found.get((service, table, FOREIGN), 0) >= 1, check.stdout
    for personal in query(stack, "registry", "SELECT area, family_network FROM registration WHERE concern_id = $1",
                          foreign)[0].values():
        assert personal not in check.stdout

    wrong = tenants(stack, "move", "--municipality", FOREIGN, "--to-org", "kommune-849", "--export", str(tmp_path),
                    "--yes")
    assert wrong.returncode == 2 and "kommune-849 does not serve municipality 851" in wrong.stderr
    moved = tenants(stack, "move", "--municipality", FOREIGN, "--to-org", "kommune-851", "--export",
                    str(tmp_path / "export"), "--yes")
    assert moved.returncode == 0, moved.stdout + moved.stderr

    assert rows_of(stack, foreign) == {"intake": 0, "assessment": 0, "registry": 0, "notify": 0, "delivery": 0}
    assert rows_of(stack, own) == {"intake": 1, "assessment": 1, "registry": 1, "notify": 1, "delivery": 1}
    for service in WHERE:
        path = tmp_path / "export" / f"{service}.json"
        assert path.stat().st_mode & 0o077 == 0  # personal data: the owner's only
        export = json.loads(path.read_text("utf-8"))
        assert (export["from_org"], export["to_org"], export["municipality_code"]) == ("kommune-820", "kommune-851",
                                                                                       FOREIGN)
        table, key = WHERE[service]
        # Every row of 851 moves, also what earlier tests of this session stored under it.
        assert foreign in [row[key] for row in export["tables"][table]]
        assert logged(stack, service, "tenant.move:kommune-851", foreign)
    notify = json.loads((tmp_path / "export" / "notify.json").read_text("utf-8"))
    assert ids["delivery_id"] in [row["delivery_id"] for row in notify["tables"]["delivery"]]
    assert tenants(stack, "check").returncode == 0


def test_delete_asks_first_refuses_a_served_municipality_and_removes_the_rows(api, stack):
    _, ids = stored_abroad(api, stack)
    foreign = ids["concern_id"]

    unconfirmed = tenants(stack, "delete", "--municipality", FOREIGN)
    assert unconfirmed.returncode == 2 and "--yes" in unconfirmed.stderr
    own = tenants(stack, "delete", "--municipality", "820", "--yes")
    assert own.returncode == 2 and "serves municipality 820" in own.stderr
    assert rows_of(stack, foreign)["intake"] == 1

    deleted = tenants(stack, "delete", "--municipality", FOREIGN, "--yes")
    assert deleted.returncode == 0, deleted.stdout + deleted.stderr
    assert rows_of(stack, foreign) == {"intake": 0, "assessment": 0, "registry": 0, "notify": 0, "delivery": 0}
    assert all(logged(stack, service, "tenant.delete", foreign) for service in WHERE)
    assert tenants(stack, "check").returncode == 0
