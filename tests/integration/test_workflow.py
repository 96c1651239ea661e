"""The Infohus Kommune workflow over the real broker, OPA and PostgreSQL, with Danish sample data."""

import json
from datetime import UTC, date, datetime, timedelta
from uuid import uuid4

import pytest

import samples
from support import bearer, eventually, json_if_ok, query, submit_concern

SSP, POLICE, LEADER = bearer("ssp_coordinator"), bearer("police_coordinator"), bearer("leadership")
REGISTRAR, ADMIN = bearer("registration_coordinator"), bearer("admin")


def open_case(api, **concern) -> dict:
    response = submit_concern(api, samples.concern(**concern))
    assert response.status_code == 202, response.text
    concern_id = response.json()["concern_id"]
    return eventually(lambda: json_if_ok(api["assessment"].get(f"/api/v1/cases/by-concern/{concern_id}",
                                                               headers=SSP)))


def registration(api, concern_id: str, until=lambda r: True) -> dict:
    return eventually(lambda: (r := json_if_ok(api["registry"].get(f"/api/v1/registrations/{concern_id}",
                                                                   headers=REGISTRAR))) and until(r) and r)


def post(api, path: str, body: dict | None = None, headers=SSP, expect: int = 200) -> dict:
    response = api["assessment"].post(path, json=body or {}, headers=headers)
    assert response.status_code == expect, response.text
    return response.json()


def upheld_case(api, **concern) -> dict:
    case = open_case(api, **concern)
    post(api, f"/api/v1/cases/{case['case_id']}/initial-assessment",
         {"approach": "joint_with_police_coordinator", "outcome": "upheld"})
    return case


def assess(api, case: dict, level: str, headers=SSP) -> dict:
    return post(api, f"/api/v1/cases/{case['case_id']}/assessments", {
        "dimensions": [
            {"dimension": "convictions_rhetoric", "tag": "risk", "note": "Deler voldsforherligende opslag."},
            {"dimension": "family", "tag": "resource", "note": "Mor er støttende og samarbejdsvillig."},
            {"dimension": "education_employment", "tag": "resource", "note": "Går i 9. klasse, møder stabilt."},
        ],
        "concern_level": level,
        "security_aspect": "Ingen konkrete planer om vold.",
        "social_aspect": "Trives dårligt socialt, søger fællesskab online.",
    }, headers=headers, expect=201)


@pytest.mark.parametrize(
    ("outcome", "extra", "stage", "forwarded_to"),
    [
        ("unfounded", {"reason": "Misforståelse: symbolet var fra et computerspil."}, "closed", None),
        ("not_radicalisation", {"forwarded_to": "Børne- og Familierådgivningen"}, "closed",
         "Børne- og Familierådgivningen"),
        ("imminent_risk", {}, "closed", "police"),
        ("honour_related", {}, "closed", "national_security_consultants"),
        ("upheld", {}, "enrichment", None),
    ],
)
def test_each_outcome_of_the_initial_assessment(api, outcome, extra, stage, forwarded_to):
    case = open_case(api)
    result = post(api, f"/api/v1/cases/{case['case_id']}/initial-assessment",
                  {"approach": "ssp_meeting", "outcome": outcome} | extra)
    assert result["stage"] == stage
    detail = api["assessment"].get(f"/api/v1/cases/{case['case_id']}", headers=SSP).json()
    assert detail["outcome"] == outcome and detail["forwarded_to"] == forwarded_to
    if outcome == "imminent_risk":
        assert detail["urgent"] is True
    registered = registration(api, case["concern_id"], until=lambda r: r["outcome"] == outcome)
    assert registered["assessed_by"] == "u-ssp-820"
    assert (registered["closed_at"] is not None) == (stage == "closed")


def test_unfounded_needs_a_reason_and_not_radicalisation_a_recipient(api):
    case = open_case(api)
    path = f"/api/v1/cases/{case['case_id']}/initial-assessment"
    missing = api["assessment"].post(path, json={"approach": "internal", "outcome": "unfounded"}, headers=SSP)
    assert missing.status_code == 422 and missing.json()["errors"][0]["field"] == "reason"
    missing = api["assessment"].post(path, json={"approach": "internal", "outcome": "not_radicalisation"},
                                     headers=SSP)
    assert missing.status_code == 422 and missing.json()["errors"][0]["field"] == "forwarded_to"


def test_an_enrichment_round_under_section_115(api, stack):
    case = upheld_case(api, age=15)
    path = f"/api/v1/cases/{case['case_id']}/enrichment-requests"
    deadline = (date.today() + timedelta(days=10)).isoformat()
    necessity = "Vi skal vide, om familien allerede har en sag, for at vælge den rette indsats."

    refused = api["assessment"].post(path, headers=SSP, json={
        "authority": "social_services_u18", "purpose": "investigation", "necessity_reason": necessity,
        "deadline": deadline})
    assert refused.status_code == 403
    assert any("prevention" in r for r in refused.json()["reasons"])
    unjustified = api["assessment"].post(path, headers=SSP, json={
        "authority": "social_services_u18", "necessity_reason": "fordi", "deadline": deadline})
    assert unjustified.status_code == 403
    assert any("necessity" in r for r in unjustified.json()["reasons"])

    request = post(api, path, {"authority": "social_services_u18", "necessity_reason": necessity,
                               "deadline": deadline, "data_classes": ["identity", "social", "process"]}, expect=201)
    assert request["share_decision_id"] and request["legal_basis"]

    social, jobcenter = bearer("authority_caseworker"), bearer("authority_caseworker_jobcenter")
    theirs = api["assessment"].get("/api/v1/enrichment-requests", headers=social).json()
    assert request["request_id"] in [r["request_id"] for r in theirs]
    mine = next(r for r in theirs if r["request_id"] == request["request_id"])
    assert mine["person"]["name"] and mine["person"]["birth_date"]  # they must know whom it is about
    assert all(r["authority"] == "social_services_u18" for r in theirs)
    assert request["request_id"] not in [
        r["request_id"] for r in api["assessment"].get("/api/v1/enrichment-requests", headers=jobcenter).json()]

    answer_path = f"/api/v1/enrichment-requests/{request['request_id']}/answer"
    wrong = api["assessment"].post(answer_path, json={"answer": "Vi kender ikke familien."}, headers=jobcenter)
    assert wrong.status_code == 403
    answered = api["assessment"].post(answer_path, json={"answer": "Familien har haft en sag i 2024, nu lukket."},
                                      headers=social)
    assert answered.status_code == 200 and answered.json()["status"] == "answered"

    history = api["assessment"].get(f"/api/v1/cases/{case['case_id']}/history", headers=SSP).json()
    assert [h["type"] for h in history] == [
        "dk.infohus.case.opened.v1", "dk.infohus.case.initial_assessment_made.v1",
        "dk.infohus.case.enrichment_requested.v1", "dk.infohus.case.enrichment_answered.v1"]


def test_serious_concern_needs_leadership_approval_before_the_decision_stands(api):
    case = upheld_case(api)
    assess(api, case, "hoej")
    decision = post(api, f"/api/v1/cases/{case['case_id']}/decision",
                    {"effort_level": "intervening", "measures": ["concern_conversation", "mentor"]}, expect=201)
    assert decision["approval"] == "pending" and decision["stage"] == "decision"
    approve = f"/api/v1/cases/{case['case_id']}/decisions/{decision['decision_id']}/approve"
    assert api["assessment"].post(approve, headers=SSP).status_code == 403
    assert post(api, approve, headers=LEADER)["stage"] == "effort"
    registered = registration(api, case["concern_id"], until=lambda r: "godkendt" in (r["decision"] or ""))
    assert registered["effort_level"] == "intervening" and registered["concern_level"] == "hoej"


def test_moderate_concern_decision_stands_at_once(api):
    case = upheld_case(api)
    assess(api, case, "moderat")
    decision = post(api, f"/api/v1/cases/{case['case_id']}/decision",
                    {"effort_level": "preventive", "measures": ["mentor"]}, expect=201)
    assert decision["approval"] == "not_required" and decision["stage"] == "effort"


def test_a_pet_report_needs_a_second_persons_sign_off(api):
    case = upheld_case(api, age=19)
    assess(api, case, "akut")
    decision = post(api, f"/api/v1/cases/{case['case_id']}/decision",
                    {"effort_level": "intervening", "measures": ["concern_conversation"], "report_to_pet": True},
                    expect=201)
    assert decision["pet_status"] == "awaiting_signoff"
    signoff = f"/api/v1/cases/{case['case_id']}/decisions/{decision['decision_id']}/pet-signoff"
    same_person = api["assessment"].post(signoff, headers=SSP)
    assert same_person.status_code == 403
    assert any("second person" in r for r in same_person.json()["reasons"])
    detail = api["assessment"].get(f"/api/v1/cases/{case['case_id']}", headers=SSP).json()
    assert detail["decisions"][0]["pet_status"] == "awaiting_signoff"  # without the sign-off, nothing goes
    post(api, signoff, headers=POLICE)
    detail = api["assessment"].get(f"/api/v1/cases/{case['case_id']}", headers=SSP).json()
    assert detail["decisions"][0]["pet_status"] == "signed_off"
    assert detail["decisions"][0]["pet_signed_off_by"] == "u-pol-nj"


def test_hand_over_to_local_police_at_18(api):
    birth = date.today() - timedelta(days=int(18 * 365.25) - 10)
    person = samples.concern()["person"] | {"cpr": samples.cpr_for(datetime.combine(birth, datetime.min.time()), 7),
                                            "birth_date": birth.isoformat()}
    case = upheld_case(api, person=person)
    assert case["lead"] == "ssp_coordinator"
    as_of = (date.today() + timedelta(days=12)).isoformat()
    result = api["assessment"].post("/api/v1/schedules/run", params={"as_of": as_of}, headers=ADMIN).json()
    assert result["handed_over"] >= 1
    detail = api["assessment"].get(f"/api/v1/cases/{case['case_id']}", headers=SSP).json()
    assert detail["lead"] == "local_police"
    registration(api, case["concern_id"], until=lambda r: r["lead"] == "local_police")
    again = api["assessment"].post("/api/v1/schedules/run", params={"as_of": as_of}, headers=ADMIN).json()
    assert again["handed_over"] == 0


def test_an_overdue_follow_up_is_listed_until_it_is_done(api):
    case = upheld_case(api)
    assess(api, case, "lav")
    post(api, f"/api/v1/cases/{case['case_id']}/decision",
         {"effort_level": "general", "measures": ["concern_conversation"], "follow_up_cadence": "biweekly"},
         expect=201)
    later = (date.today() + timedelta(days=15)).isoformat()
    overdue = api["assessment"].get("/api/v1/follow-ups/overdue", params={"as_of": later}, headers=SSP).json()
    assert case["case_id"] in [c["case_id"] for c in overdue]
    listed = api["assessment"].get("/api/v1/cases", params={"overdue": "true"}, headers=SSP).json()
    assert case["case_id"] not in [c["case_id"] for c in listed]  # not overdue today
    post(api, f"/api/v1/cases/{case['case_id']}/follow-ups", {"note": "Samtale holdt; trives bedre i skolen."},
         expect=201)
    detail = api["assessment"].get(f"/api/v1/cases/{case['case_id']}", headers=SSP).json()
    assert detail["stage"] == "follow_up" and len(detail["follow_ups"]) == 1
    assert detail["next_follow_up"] == (date.today() + timedelta(days=14)).isoformat()
    closed = post(api, f"/api/v1/cases/{case['case_id']}/close", {"reason": "Indsatsen er afsluttet med god effekt."})
    assert closed["stage"] == "closed"
    overdue = api["assessment"].get("/api/v1/follow-ups/overdue", params={"as_of": later}, headers=SSP).json()
    assert case["case_id"] not in [c["case_id"] for c in overdue]


def test_under_18_the_case_shows_the_underretning_duty(api):
    case = open_case(api, age=14)
    detail = api["assessment"].get(f"/api/v1/cases/{case['case_id']}", headers=SSP).json()
    assert "erstatter ikke en underretning" in detail["underretning"]["notice"]
    assert detail["underretning"]["made"] is None
    post(api, f"/api/v1/cases/{case['case_id']}/underretning", {"made": True})
    detail = api["assessment"].get(f"/api/v1/cases/{case['case_id']}", headers=SSP).json()
    assert detail["underretning"]["made"] is True
    adult = open_case(api, age=30)
    assert api["assessment"].get(f"/api/v1/cases/{adult['case_id']}", headers=SSP).json()["underretning"] is None


def test_two_assessments_of_the_same_person_can_be_compared(api):
    case = upheld_case(api)
    first = assess(api, case, "moderat")
    second = assess(api, case, "lav")
    comparison = api["assessment"].get("/api/v1/assessments/compare", headers=SSP,
                                       params={"first": first["assessment_id"], "second": second["assessment_id"]})
    assert comparison.status_code == 200
    body = comparison.json()
    assert body["concern_level_changed"] is True
    assert [d["dimension"] for d in body["dimensions"]][:2] == ["convictions_rhetoric", "personality"]
    other = upheld_case(api)
    third = assess(api, other, "lav")
    refused = api["assessment"].get("/api/v1/assessments/compare", headers=SSP,
                                    params={"first": first["assessment_id"], "second": third["assessment_id"]})
    assert refused.status_code == 422


def test_meetings_with_agendas_from_open_cases(api):
    urgent = open_case(api, flags={"imminent_risk": True})
    tomorrow = (datetime.now(UTC) + timedelta(days=1)).replace(hour=9, minute=0, second=0, microsecond=0)
    meeting = post(api, "/api/v1/meetings", {"kind": "next_day", "scheduled_for": tomorrow.isoformat()}, expect=201)
    assert meeting["agenda"][0]["urgent"] is True
    assert urgent["case_id"] in [item["case_id"] for item in meeting["agenda"]]
    too_late = (datetime.now(UTC) + timedelta(days=9)).isoformat()
    refused = api["assessment"].post("/api/v1/meetings", json={"kind": "urgent", "scheduled_for": too_late},
                                     headers=SSP)
    assert refused.status_code == 422 and "within a week" in refused.json()["errors"][0]["reason"]
    regular = post(api, "/api/v1/meetings", {"kind": "regular"}, expect=201)
    assert regular["scheduled_for"] > tomorrow.isoformat()


def test_statistics_add_up(api, stack):
    # The stack serves one municipality: a month no other test receives concerns in keeps the figures this test's own.
    token, coordinator = bearer("registration_coordinator"), SSP
    received = datetime.now(UTC).replace(year=datetime.now(UTC).year - 4, day=10)
    period = f"{received:%Y-%m}"
    outcomes = ["unfounded", "upheld", "upheld", "not_radicalisation"]
    extra = {"unfounded": {"reason": "Ubegrundet."}, "not_radicalisation": {"forwarded_to": "Jobcentret"}}
    for outcome in outcomes:
        concern_id = submit_concern(api, samples.concern(received_at=received.isoformat())).json()["concern_id"]
        case = eventually(lambda: json_if_ok(api["assessment"].get(f"/api/v1/cases/by-concern/{concern_id}",
                                                                   headers=coordinator)))
        post(api, f"/api/v1/cases/{case['case_id']}/initial-assessment",
             {"approach": "internal", "outcome": outcome} | extra.get(outcome, {}), headers=coordinator)

    def stats() -> dict | None:
        body = api["registry"].get("/api/v1/statistics", params={"from": period, "to": period}, headers=token).json()
        return body if sum(v for k, v in body["outcomes"].items() if k != "ukendt") == len(outcomes) else None

    body = eventually(stats)
    rows = query(stack, "registry", "SELECT count(*) AS n FROM registration WHERE period = $1", period)
    assert body["volume"] == rows[0]["n"] == len(outcomes)
    assert body["outcomes"] == {"not_radicalisation": 1, "unfounded": 1, "upheld": 2}
    for breakdown in ("by_period", "sources", "age_bands", "concern_levels", "efforts"):
        assert sum(body[breakdown].values()) == body["volume"], breakdown
    assert api["registry"].get("/api/v1/statistics", headers=bearer("ssp_coordinator")).status_code == 403


def test_the_case_list_names_each_person_and_logs_each_listed_read(api, stack):
    body = samples.concern()
    body["person"]["name"] = "Søren Ærø Ågesen"
    response = submit_concern(api, body)
    assert response.status_code == 202, response.text
    concern_id = response.json()["concern_id"]
    case = eventually(lambda: json_if_ok(api["assessment"].get(f"/api/v1/cases/by-concern/{concern_id}",
                                                               headers=SSP)))
    listed = api["assessment"].get("/api/v1/cases", params={"stage": "received"}, headers=SSP).json()
    names = {c["case_id"]: c["person_name"] for c in listed}
    assert names[case["case_id"]] == "Søren Ærø Ågesen"
    rows = query(stack, "assessment", "SELECT actor, data_classes FROM processing_log "
                                      "WHERE subject_ref = $1 AND action = 'case.list'", case["concern_id"])
    assert rows and all("identity" in str(r["data_classes"]) for r in rows)
    newest = api["assessment"].get("/api/v1/cases", params={"limit": 1}, headers=SSP).json()
    assert len(newest) == 1
    assert api["assessment"].get("/api/v1/cases", params={"limit": 0}, headers=SSP).status_code == 422


def test_the_necessity_reason_reaches_the_decision_but_not_opas_decision_log(api, policy_server):
    case = upheld_case(api, age=15)
    necessity = f"Mor har fortalt om Åses onkel (markør {uuid4().hex}); vi skal vide, om familien har en sag."
    response = api["assessment"].post(f"/api/v1/cases/{case['case_id']}/enrichment-requests", headers=SSP, json={
        "authority": "social_services_u18", "purpose": "prevention", "necessity_reason": necessity,
        "deadline": (date.today() + timedelta(days=10)).isoformat()})
    assert response.status_code == 201, response.text
    decision_id = response.json()["share_decision_id"]
    logged = eventually(lambda: [json.loads(line) for line in policy_server.log_path.read_text().splitlines()
                                 if decision_id in line and '"Decision Log"' in line])
    assert logged[0]["erased"] == ["/input/necessity_reason"] and "necessity_reason" not in logged[0]["input"]
    assert necessity.split("(")[1][:40] not in policy_server.log_path.read_text()
