"""Art. 15: a person's data from every service, with who saw it, and the recorded exemptions."""

import json
import subprocess
import sys
from datetime import datetime

import samples
from support import DEV_IDP_DIR, ROOT, bearer, eventually, json_if_ok, query, submit_concern

SSP = bearer("ssp_coordinator")


def test_the_art_15_export_is_complete(api, stack, tmp_path):
    person = samples.concern()["person"] | {"cpr": samples.cpr_for(datetime(2009, 3, 14), 321)}
    first = submit_concern(api, samples.concern(person=person)).json()["concern_id"]
    second = submit_concern(api, samples.concern(person=person, description="Ny bekymring fra klubben.")).json()[
        "concern_id"]
    other = submit_concern(api, samples.concern()).json()["concern_id"]
    for concern_id in (first, second):
        case = eventually(lambda: json_if_ok(api["assessment"].get(f"/api/v1/cases/by-concern/{concern_id}",
                                                                   headers=SSP)))
        api["assessment"].get(f"/api/v1/cases/{case['case_id']}", headers=SSP)  # someone reads it
        eventually(lambda: query(stack, "notify", "SELECT 1 FROM notification WHERE concern_id = $1", concern_id))

    out = tmp_path / "export.json"
    from infohus_platform.devidp import issue_token

    token = issue_token("compliance_officer", DEV_IDP_DIR)
    result = subprocess.run(
        [sys.executable, "-m", "infohus_tools.subject_access", "--out", str(out), "--token", token,
         "--port-base", str(stack["intake"].port - 1)],
        input=person["cpr"] + "\n", capture_output=True, text=True, cwd=ROOT, timeout=120)
    assert result.returncode == 0, result.stdout + result.stderr
    export = json.loads(out.read_text())
    assert sorted(export["concern_ids"]) == sorted([first, second])
    assert other not in json.dumps(export)
    services = export["services"]
    assert {"intake", "assessment", "registry", "notify"} == set(services)
    tables = {record["table"] for answer in services.values() for record in answer["records"]}
    assert {"concern", "case_file", "registration", "notification"} <= tables
    everything = json.dumps(services, ensure_ascii=False)
    assert person["name"] in everything and "Ny bekymring fra klubben." in everything

    # Who saw it: the reads are in the export.
    actions = {(e["actor"], e["action"]) for e in services["assessment"]["processing_log"]}
    assert ("u-ssp-820", "case.read") in actions

    # The reporter is protected: withheld, with the policy's reason.
    assert "reporter" in export["exemptions"] and export["exemptions"]["reporter"]
    reporter_fields = [f for a in services.values() for r in a["records"] for n, f in r["fields"].items()
                       if f["data_class"] == "reporter"]
    assert reporter_fields and all(f["value"] is None and f["withheld"] for f in reporter_fields)


def test_only_compliance_staff_may_export(api):
    response = api["intake"].post("/api/v1/subject-access", json={"cpr": "0101104234"}, headers=SSP)
    assert response.status_code == 403
