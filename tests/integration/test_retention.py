"""Retention: an expired concern is erased from every service, with proof left and statistics unchanged."""

import asyncio
import hashlib
import json
from datetime import UTC, date, datetime, timedelta
from uuid import uuid4

import samples
from support import bearer, eventually, json_if_ok, produce, query, submit_concern

CODE = "820"  # the test stack serves only its own municipality
# A month no other test receives concerns in: the statistics compared before and after are this test's own.
RECEIVED = datetime.now(UTC).replace(year=datetime.now(UTC).year - 5, day=10)
PERIOD = {"from": f"{RECEIVED:%Y-%m}", "to": f"{RECEIVED:%Y-%m}"}
SSP = bearer("ssp_coordinator", municipality_code=CODE, org=f"kommune-{CODE}")
REGISTRAR = bearer("registration_coordinator", municipality_code=CODE, org=f"kommune-{CODE}")
# Compliance and operations act for the instance's controller (the test stack runs as kommune-820).
COMPLIANCE = bearer("compliance_officer", municipality_code=CODE)
ADMIN = bearer("admin", municipality_code=CODE)


def closed_as_unfounded(api, stack) -> str:
    body = samples.concern(municipality_code=CODE, received_at=RECEIVED.isoformat())
    concern_id = submit_concern(api, body).json()["concern_id"]
    case = eventually(lambda: json_if_ok(api["assessment"].get(f"/api/v1/cases/by-concern/{concern_id}",
                                                               headers=SSP)))
    response = api["assessment"].post(f"/api/v1/cases/{case['case_id']}/initial-assessment", headers=SSP,
                                      json={"approach": "internal", "outcome": "unfounded",
                                            "reason": "Misforståelse i klassen."})
    assert response.status_code == 200, response.text
    eventually(lambda: (r := json_if_ok(api["registry"].get(f"/api/v1/registrations/{concern_id}",
                                                            headers=REGISTRAR))) and r["closed_at"])
    eventually(lambda: query(stack, "notify", "SELECT 1 FROM notification WHERE concern_id = $1", concern_id))
    return concern_id


def rows(stack, service: str, sql: str, *args) -> int:
    return len(query(stack, service, sql, *args))


def test_an_expired_concern_is_erased_everywhere_with_proof_and_statistics_intact(api, stack, infra_env):
    concern_id = closed_as_unfounded(api, stack)
    held = closed_as_unfounded(api, stack)
    plan = api["registry"].get(f"/api/v1/retention/{concern_id}", headers=COMPLIANCE).json()
    assert plan["rule"] == "P1" and plan["delete_on"] == (date.today().replace(year=date.today().year + 1)).isoformat()
    hold = api["registry"].post(f"/api/v1/retention/{held}/hold", headers=COMPLIANCE,
                                json={"legal_hold": True, "reason": "Klage til Datatilsynet verserer."})
    assert hold.status_code == 200
    before = api["registry"].get("/api/v1/statistics", params=PERIOD, headers=REGISTRAR).json()
    assert before["volume"] == 2

    too_early = api["registry"].post("/api/v1/retention/run", headers=ADMIN,
                                     params={"as_of": (date.today() + timedelta(days=300)).isoformat()}).json()
    assert too_early["erased"] == 0
    result = api["registry"].post("/api/v1/retention/run", headers=ADMIN,
                                  params={"as_of": (date.today() + timedelta(days=400)).isoformat()}).json()
    assert result["erased"] >= 1

    def gone_everywhere() -> bool:
        return (rows(stack, "intake", "SELECT 1 FROM concern WHERE concern_id = $1", concern_id) == 0
                and rows(stack, "assessment", "SELECT 1 FROM case_file WHERE concern_id = $1", concern_id) == 0
                and rows(stack, "notify", "SELECT 1 FROM notification WHERE concern_id = $1", concern_id) == 0)

    eventually(gone_everywhere, timeout=60)
    ref = hashlib.sha256(f"erased:{concern_id}".encode()).hexdigest()
    for service in ("intake", "assessment", "registry", "notify"):
        assert rows(stack, service, "SELECT 1 FROM erasure_proof WHERE concern_ref = $1", ref) == 1, service
    [record] = query(stack, "registry", "SELECT * FROM registration WHERE concern_id = $1", concern_id)
    assert record["description"] == "" and record["family_network"] is None and record["sender"] is None
    assert record["erased_at"] is not None and record["outcome"] == "unfounded" and record["age_band"]
    leftovers = query(stack, "intake", "SELECT body FROM outbox_message WHERE key = $1", concern_id)
    assert all(r["body"] == "{}" for r in leftovers)

    after = api["registry"].get("/api/v1/statistics", params=PERIOD, headers=REGISTRAR).json()
    assert after["volume"] == before["volume"] and after["outcomes"] == before["outcomes"]
    assert rows(stack, "intake", "SELECT 1 FROM concern WHERE concern_id = $1", held) == 1  # on hold: kept

    # A replay of the concern cannot bring it back.
    body = samples.concern(municipality_code=CODE) | {"concern_id": concern_id,
                                                     "received_at": datetime.now(UTC).isoformat()}
    headers = {"ce_id": str(uuid4()), "ce_source": "/infohus/test/replay", "ce_type": "dk.infohus.concern.received.v1",
               "ce_specversion": "1.0", "ce_time": datetime.now(UTC).isoformat(), "content-type": "application/json"}
    asyncio.run(produce(infra_env["KAFKA_BOOTSTRAP_SERVERS"], f"{stack.run_id}.infohus.concern.received.v1",
                        json.dumps(body).encode(), headers, key=concern_id.encode()))
    eventually(lambda: query(stack, "assessment", "SELECT 1 FROM processed_event WHERE event_id = $1",
                             headers["ce_id"]))
    assert rows(stack, "assessment", "SELECT 1 FROM case_file WHERE concern_id = $1", concern_id) == 0
