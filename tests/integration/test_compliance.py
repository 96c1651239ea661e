""""What would be shared?" and the processing log, for compliance staff."""

import os
import subprocess
import sys

import samples
from support import DEV_IDP_DIR, ROOT, bearer, eventually, json_if_ok, submit_concern

COMPLIANCE = bearer("compliance_officer")


def registered(api) -> str:
    concern_id = submit_concern(api, samples.concern()).json()["concern_id"]
    eventually(lambda: json_if_ok(api["registry"].get(f"/api/v1/registrations/{concern_id}",
                                                      headers=bearer("leadership"))))
    return concern_id


def preview(api, concern_id: str, recipient: str, purpose: str, headers=COMPLIANCE, **extra):
    body = {"concern_id": concern_id, "recipient_kind": recipient, "purpose": purpose} | extra
    return api["registry"].post("/api/v1/compliance/share-preview", headers=headers, json=body)


def test_nothing_of_a_case_would_go_to_the_network(api):
    concern_id = registered(api)
    result = preview(api, concern_id, "network", "statistics").json()
    assert result["would_share"] == []
    assert "description" in result["withheld"] and "family_network" in result["withheld"]
    description = next(f for f in result["fields"] if f["name"] == "description")
    assert description["data_class"] == "narrative"
    assert any("aggregates" in reason for reason in description["reasons"])


def test_investigation_is_refused_and_prevention_with_necessity_allowed(api):
    concern_id = registered(api)
    investigation = preview(api, concern_id, "local_police", "investigation").json()
    assert investigation["would_share"] == []
    necessity = "Politiet skal kende bekymringen for at kunne holde en bekymringssamtale."
    prevention = preview(api, concern_id, "local_police", "prevention", necessity_reason=necessity).json()
    assert "description" in prevention["would_share"]
    assert "sender" in prevention["withheld"]  # the reporter is protected


def test_only_compliance_staff_may_preview_and_read_the_log(api):
    concern_id = registered(api)
    assert preview(api, concern_id, "network", "statistics", headers=bearer("ssp_coordinator")).status_code == 403
    log = api["registry"].get("/api/v1/processing-log", params={"subject_ref": concern_id}, headers=COMPLIANCE)
    assert log.status_code == 200
    assert {"registration.create", "compliance.preview"} <= {entry["action"] for entry in log.json()}
    refused = api["registry"].get("/api/v1/processing-log", params={"subject_ref": concern_id},
                                  headers=bearer("ssp_coordinator"))
    assert refused.status_code == 403
    # A shared identity provider may vouch for another municipality's DPO: this instance's log is not theirs.
    neighbour = bearer("compliance_officer", sub="u-dpo-851", municipality_code="851", org="kommune-851")
    for service in ("intake", "registry", "notify"):
        foreign = api[service].get("/api/v1/processing-log", params={"subject_ref": concern_id}, headers=neighbour)
        assert foreign.status_code == 403, (service, foreign.text)
        assert "subject belongs to controller kommune-851" in str(foreign.json()["reasons"])
    export = api["intake"].post("/api/v1/subject-access", json={"concern_ids": [concern_id]}, headers=neighbour)
    assert export.status_code == 403


def test_the_preview_cli(api, stack):
    concern_id = registered(api)
    env = dict(os.environ) | {"REGISTRY_URL": stack["registry"].url}
    from infohus_platform.devidp import issue_token

    token = issue_token("compliance_officer", DEV_IDP_DIR)
    result = subprocess.run([sys.executable, "-m", "infohus_tools.share_preview", "--concern", concern_id,
                             "--recipient", "network", "--purpose", "statistics", "--token", token],
                            capture_output=True, text=True, env=env, cwd=ROOT, timeout=60)
    assert result.returncode == 0, result.stderr
    assert "withheld" in result.stdout and "WOULD GO" not in result.stdout
