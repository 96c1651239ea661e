"""Decide, then look up (issue 12): a caller who may not see a thing cannot tell whether its id exists.

An existing id of another municipality and a random id answer with the same status and body; the owner still
reads it. Comparing two assessments does not tell a stranger whether they are of the same person.
"""

from uuid import uuid4

import samples
from support import bearer, eventually, json_if_ok, submit_concern

OWNER_SSP, OWNER_REGISTRAR = bearer("ssp_coordinator"), bearer("registration_coordinator")
STRANGER_SSP = bearer("ssp_coordinator", sub="u-ssp-851", municipality_code="851", org="kommune-851")
STRANGER_REGISTRAR = bearer("registration_coordinator", sub="u-reg-851", municipality_code="851",
                            org="kommune-851")
STRANGER_DPO = bearer("compliance_officer", sub="u-dpo-851", municipality_code="851", org="kommune-851")
ASSESSMENT = {
    "dimensions": [{"dimension": "family", "tag": "resource", "note": "Mor er støttende."}],
    "concern_level": "lav",
    "security_aspect": "Ingen konkrete planer om vold.",
    "social_aspect": "Søger fællesskab online.",
}


def opened_case(api) -> dict:
    response = submit_concern(api, samples.concern(municipality_code="820"))
    assert response.status_code == 202, response.text
    concern_id = response.json()["concern_id"]
    return eventually(lambda: json_if_ok(api["assessment"].get(f"/api/v1/cases/by-concern/{concern_id}",
                                                               headers=OWNER_SSP)))


def assessed(api, case: dict) -> str:
    base = f"/api/v1/cases/{case['case_id']}"
    if case["stage"] == "received":
        upheld = api["assessment"].post(f"{base}/initial-assessment", headers=OWNER_SSP,
                                        json={"approach": "joint_with_police_coordinator", "outcome": "upheld"})
        assert upheld.status_code == 200, upheld.text
        case["stage"] = upheld.json()["stage"]
    response = api["assessment"].post(f"{base}/assessments", headers=OWNER_SSP, json=ASSESSMENT)
    assert response.status_code == 201, response.text
    return response.json()["assessment_id"]


def answer(response) -> tuple[int, object]:
    return response.status_code, response.json()


def test_a_registration_of_another_municipality_answers_like_an_unknown_id(api):
    concern_id = opened_case(api)["concern_id"]
    registry = api["registry"]
    eventually(lambda: json_if_ok(registry.get(f"/api/v1/registrations/{concern_id}", headers=OWNER_REGISTRAR)))
    existing = answer(registry.get(f"/api/v1/registrations/{concern_id}", headers=STRANGER_REGISTRAR))
    unknown = answer(registry.get(f"/api/v1/registrations/{uuid4()}", headers=STRANGER_REGISTRAR))
    assert existing == unknown
    assert existing[0] == 404
    # A role that may never read a registration is refused alike, whether the id exists or not.
    refused = answer(registry.get(f"/api/v1/registrations/{concern_id}", headers=STRANGER_SSP))
    assert refused == answer(registry.get(f"/api/v1/registrations/{uuid4()}", headers=STRANGER_SSP))
    assert refused[0] == 403
    owner = registry.get(f"/api/v1/registrations/{concern_id}", headers=OWNER_REGISTRAR)
    assert owner.status_code == 200 and owner.json()["concern_id"] == concern_id


def test_a_case_by_concern_of_another_municipality_answers_like_an_unknown_id(api):
    case = opened_case(api)
    path = "/api/v1/cases/by-concern/{}"
    existing = answer(api["assessment"].get(path.format(case["concern_id"]), headers=STRANGER_SSP))
    unknown = answer(api["assessment"].get(path.format(uuid4()), headers=STRANGER_SSP))
    assert existing == unknown
    assert existing[0] == 404
    owner = api["assessment"].get(path.format(case["concern_id"]), headers=OWNER_SSP)
    assert owner.status_code == 200 and owner.json()["case_id"] == case["case_id"]


def test_comparing_assessments_tells_a_stranger_neither_existence_nor_sameness(api):
    case, other = opened_case(api), opened_case(api)
    first, second, third = assessed(api, case), assessed(api, case), assessed(api, other)

    def compare(a: str, b: str, headers=STRANGER_SSP):
        return api["assessment"].get("/api/v1/assessments/compare", headers=headers,
                                     params={"first": a, "second": b})

    unknown = answer(compare(str(uuid4()), str(uuid4())))
    assert unknown[0] == 404
    assert answer(compare(first, second)) == unknown  # the same person
    assert answer(compare(first, third)) == unknown  # two persons
    assert answer(compare(first, str(uuid4()))) == unknown
    assert answer(compare(str(uuid4()), third)) == unknown
    owner = compare(first, second, headers=OWNER_SSP)
    assert owner.status_code == 200, owner.text
    assert compare(first, third, headers=OWNER_SSP).status_code == 422  # the owner may know they differ


def test_retention_and_preview_tell_another_controllers_dpo_nothing(api):
    concern_id = opened_case(api)["concern_id"]
    registry = api["registry"]
    eventually(lambda: json_if_ok(registry.get(f"/api/v1/registrations/{concern_id}", headers=OWNER_REGISTRAR)))
    ids = (concern_id, str(uuid4()))
    retention = [answer(registry.get(f"/api/v1/retention/{i}", headers=STRANGER_DPO)) for i in ids]
    hold = [answer(registry.post(f"/api/v1/retention/{i}/hold", headers=STRANGER_DPO,
                                 json={"legal_hold": True, "reason": "Verserende klagesag."})) for i in ids]
    preview = [answer(registry.post("/api/v1/compliance/share-preview", headers=STRANGER_DPO,
                                    json={"concern_id": i, "recipient_kind": "network", "purpose": "statistics"}))
               for i in ids]
    for existing, unknown in (retention, hold, preview):
        assert existing == unknown
        assert existing[0] == 403  # another controller's DPO may do none of this here, whatever the id
    owner = registry.get(f"/api/v1/retention/{concern_id}", headers=bearer("compliance_officer"))
    assert owner.status_code == 200, owner.text
