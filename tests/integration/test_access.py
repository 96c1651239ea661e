"""Sign-in and need-to-know: OIDC bearer tokens, access decided by OPA, a refusal says why."""

import subprocess
import sys

import samples
from support import ROOT, bearer, eventually, json_if_ok, query, submit_concern


def registered_concern(api) -> str:
    concern_id = submit_concern(api, samples.concern(municipality_code="820")).json()["concern_id"]
    eventually(lambda: json_if_ok(api["registry"].get(f"/api/v1/registrations/{concern_id}",
                                                      headers=bearer("leadership"))))
    return concern_id


def test_no_token_is_401(api):
    response = api["intake"].post("/api/v1/concerns", json=samples.concern())
    assert response.status_code == 401
    assert response.headers["www-authenticate"].startswith("Bearer")


def test_a_forged_token_is_401(api):
    token = bearer("ssp_coordinator")["Authorization"]
    forged = token[:-8] + ("A" * 8 if not token.endswith("A" * 8) else "B" * 8)
    response = api["intake"].post("/api/v1/concerns", json=samples.concern(), headers={"Authorization": forged})
    assert response.status_code == 401


def test_wrong_role_is_403_with_the_policy_reason(api):
    response = api["intake"].post("/api/v1/concerns", json=samples.concern(), headers=bearer("network_member"))
    assert response.status_code == 403
    reasons = response.json()["reasons"]
    assert reasons and any("network_member" in reason for reason in reasons)


def test_wrong_municipality_is_403(api):
    response = api["intake"].post("/api/v1/concerns", json=samples.concern(municipality_code="820"),
                                  headers=bearer("ssp_coordinator_851"))
    assert response.status_code == 403
    assert any("851" in reason for reason in response.json()["reasons"])


def test_the_registry_is_readable_only_by_registration_coordinators_and_leadership(api):
    concern_id = registered_concern(api)
    path = f"/api/v1/registrations/{concern_id}"
    assert api["registry"].get(path, headers=bearer("registration_coordinator")).status_code == 200
    assert api["registry"].get(path, headers=bearer("leadership")).status_code == 200
    for user in ("ssp_coordinator", "police_coordinator", "authority_caseworker", "network_member",
                 "compliance_officer", "partner_system"):
        response = api["registry"].get(path, headers=bearer(user))
        assert response.status_code == 403, user
        assert response.json()["reasons"], user


def test_a_token_with_a_network_role_and_a_case_role_gets_nothing(api):
    both = bearer("ssp_coordinator", roles=["ssp_coordinator", "network_member"])
    response = api["intake"].post("/api/v1/concerns", json=samples.concern(), headers=both)
    assert response.status_code == 403


def test_reads_and_refusals_are_in_the_processing_log(api, stack):
    concern_id = registered_concern(api)
    api["registry"].get(f"/api/v1/registrations/{concern_id}", headers=bearer("network_member"))
    rows = query(stack, "registry", "SELECT actor, action, outcome, decision_id FROM processing_log "
                                    "WHERE subject_ref = $1 ORDER BY seq", concern_id)
    outcomes = {(r["actor"], r["action"], r["outcome"]) for r in rows}
    assert ("u-lead-820", "registration.read", "allowed") in outcomes
    assert ("u-net-851", "registration.read", "denied") in outcomes
    assert ("service:registry", "registration.create", "allowed") in outcomes
    assert all(r["decision_id"] for r in rows if not r["actor"].startswith("service:"))


def test_a_tampered_log_entry_is_detected(api, stack):
    registered_concern(api)
    env = {"DATABASE_URL": stack.database_url, "PATH": "/usr/bin:/bin"}

    def verify() -> subprocess.CompletedProcess:
        return subprocess.run([sys.executable, "-m", "infohus_tools.verify_log"],
                              env=env, capture_output=True, text=True, cwd=ROOT)

    clean = verify()
    assert clean.returncode == 0, clean.stdout + clean.stderr
    [entry] = query(stack, "registry", "SELECT chain, actor FROM processing_log WHERE seq = 2 ORDER BY chain LIMIT 1")
    change = "UPDATE processing_log SET actor = $1 WHERE seq = 2 AND chain = $2"
    query(stack, "registry", change, "someone-else", entry["chain"])
    try:
        tampered = verify()
    finally:  # the run's other tests verify the same log
        query(stack, "registry", change, entry["actor"], entry["chain"])
    assert tampered.returncode == 1
    assert "registry" in tampered.stdout and "entry 2: content changed" in tampered.stdout
    assert verify().returncode == 0


def test_the_registry_lists_its_own_municipalitys_registrations_to_those_allowed(api, stack):
    concern_id = registered_concern(api)
    listed = api["registry"].get("/api/v1/registrations", params={"open": "true"},
                                 headers=bearer("registration_coordinator"))
    assert listed.status_code == 200, listed.text
    [entry] = [r for r in listed.json() if r["concern_id"] == concern_id]
    assert entry["municipality_code"] == "820" and entry["closed_at"] is None
    assert "description" not in entry and "sender" not in entry  # no free text, no reporter in a list
    assert all(r["municipality_code"] == "820" for r in listed.json())
    other = api["registry"].get("/api/v1/registrations",
                                headers=bearer("registration_coordinator", municipality_code="851", org="kommune-851"))
    assert concern_id not in {r["concern_id"] for r in other.json()}
    refused = api["registry"].get("/api/v1/registrations", headers=bearer("ssp_coordinator"))
    assert refused.status_code == 403 and "registration.list" in refused.text
    rows = query(stack, "registry", "SELECT actor FROM processing_log WHERE subject_ref = $1 "
                                    "AND action = 'registration.list'", concern_id)
    assert "u-reg-820" in {r["actor"] for r in rows}
    assert api["registry"].get("/api/v1/registrations", params={"period": "2026-13"},
                               headers=bearer("registration_coordinator")).status_code == 422
