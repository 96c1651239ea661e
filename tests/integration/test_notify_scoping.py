"""Notify's tenants do not leak (issue 12): every route asks the access policy, and the inbox, the notices and
the delivery log show only the caller's municipalities (a police coordinator: the district's), over the real
broker, OPA and PostgreSQL.

The instance is kommune-820's. The requests are published onto ``<run>.infohus.notify.requests.v1`` exactly as
the case services' relays publish them: a handover in 820 and one in 851 (both in Nordjylland's police district),
and a meeting of Fyn's district network (no municipality).
"""

import asyncio
from datetime import UTC, datetime, timedelta
from uuid import uuid4

import pytest

from infohus_contracts.case.notifications import NotificationRequested
from support import bearer, eventually, produce

SSP_820 = bearer("ssp_coordinator")
SSP_851 = bearer("ssp_coordinator_851")
POLICE_NJ = bearer("police_coordinator")
POLICE_FYN = bearer("police_coordinator", sub="u-pol-fyn", org="politikreds-fyn", police_district="fyn")
LEADERSHIP_851 = bearer("leadership", sub="u-lead-851", org="kommune-851", municipality_code="851")
NETWORK_AND_CASE = bearer("ssp_coordinator", roles=["network_member", "ssp_coordinator"])
DPO = bearer("compliance_officer")


def publish_request(stack, infra_env, request: NotificationRequested) -> None:
    headers = {"ce_id": str(uuid4()), "ce_source": "/infohus/kommune-820/test", "ce_specversion": "1.0",
               "ce_type": "dk.infohus.notify.requested.v1", "ce_time": datetime.now(UTC).isoformat(),
               "content-type": "application/json"}
    asyncio.run(produce(infra_env["KAFKA_BOOTSTRAP_SERVERS"], f"{stack.run_id}.infohus.notify.requests.v1",
                        request.model_dump_json().encode(), headers, key=b"test"))


def deliveries(api, notification_id=None, **params) -> list[dict]:
    """As the controller's compliance officer, who sees the whole delivery log."""
    path = f"/api/v1/notifications/{notification_id}/deliveries" if notification_id else "/api/v1/deliveries"
    response = api["notify"].get(path, params=params, headers=DPO)
    assert response.status_code == 200, response.text
    return response.json()


def reference_of(request: NotificationRequested) -> str:
    return str(request.notification_id)[:8].upper()


def handover(code: str, *roles: str) -> NotificationRequested:
    return NotificationRequested(
        notification_id=uuid4(), concern_id=uuid4(), municipality_code=code, kind="handover_at_18",
        requested_at=datetime.now(UTC), due_at=datetime.now(UTC) + timedelta(days=30),
        recipients=[{"kind": "staff_role", "role": r} for r in roles],
    )


def network_meeting(district: str) -> NotificationRequested:
    now = datetime.now(UTC)
    return NotificationRequested(
        notification_id=uuid4(), kind="meeting_summons", police_district=district, meeting_id=uuid4(),
        meeting_urgency="regular", due_at=now + timedelta(days=20), requested_at=now, link_path="/netvaerk/moeder",
        recipients=[{"kind": "staff_role", "role": "police_coordinator"}],
    )


@pytest.fixture(scope="module")
def notices(api, stack, infra_env) -> dict[str, NotificationRequested]:
    """Three notices, each sent to its in-app inboxes before the tests look."""
    sent = {
        "820": handover("820", "ssp_coordinator", "police_coordinator", "leadership"),
        "851": handover("851", "ssp_coordinator", "police_coordinator"),
        "fyn": network_meeting("fyn"),
    }
    for request in sent.values():
        publish_request(stack, infra_env, request)
    for request in sent.values():
        eventually(lambda r=request: (in_app := [d for d in deliveries(api, r.notification_id)
                                                 if d["channel"] == "in_app"])
                   and all(d["status"] == "sent" for d in in_app), timeout=60)
    return sent


def inbox_of(api, headers, **params) -> set[str]:
    """The references of the notices in the caller's inbox."""
    response = api["notify"].get("/api/v1/inbox", params=params, headers=headers)
    assert response.status_code == 200, response.text
    return {line.removeprefix("Reference: ") for item in response.json() for line in item["body"].splitlines()
            if line.startswith("Reference: ")}


def mine(notices: dict[str, NotificationRequested], inbox: set[str]) -> set[str]:
    return {name for name, request in notices.items() if reference_of(request) in inbox}


def test_the_inbox_shows_only_the_callers_municipalities_and_district(api, notices):
    assert mine(notices, inbox_of(api, SSP_820)) == {"820"}
    assert mine(notices, inbox_of(api, SSP_851)) == {"851"}
    assert mine(notices, inbox_of(api, POLICE_NJ)) == {"820", "851"}  # the district's municipalities
    assert mine(notices, inbox_of(api, POLICE_FYN)) == {"fyn"}  # the district network's meeting, nothing of 820
    assert mine(notices, inbox_of(api, LEADERSHIP_851)) == set()
    assert mine(notices, inbox_of(api, SSP_820, user="u-ssp-820")) == {"820"}


def test_the_inbox_asks_the_access_policy(api, notices):
    mixed = api["notify"].get("/api/v1/inbox", headers=NETWORK_AND_CASE)
    assert mixed.status_code == 403
    assert any("network" in r and "case" in r for r in mixed.json()["reasons"])
    someone_elses = api["notify"].get("/api/v1/inbox", params={"user": "u-ssp-820"}, headers=bearer("leadership"))
    assert someone_elses.status_code == 403
    assert someone_elses.json()["reasons"] == ["en indbakke kan kun læses af dens ejer"]
    partner = api["notify"].get("/api/v1/inbox", headers=bearer("partner_system"))
    assert partner.status_code == 403


def test_another_municipalitys_notices_are_not_listed(api, notices):
    ours, theirs = notices["820"], notices["851"]
    get = api["notify"].get
    # 851's coordinator at kommune-820's instance: refused, nothing of 820's concern.
    refused = get("/api/v1/notifications", params={"concern_id": str(ours.concern_id)}, headers=SSP_851)
    assert refused.status_code == 403
    assert get(f"/api/v1/notifications/{ours.notification_id}/deliveries", headers=SSP_851).status_code == 403
    # 820's coordinator sees 820's notice, and nothing of 851's: like an unknown concern.
    [own] = get("/api/v1/notifications", params={"concern_id": str(ours.concern_id)}, headers=SSP_820).json()
    assert own["notification_id"] == str(ours.notification_id)
    response = get("/api/v1/notifications", params={"concern_id": str(theirs.concern_id)}, headers=SSP_820)
    assert response.status_code == 200 and response.json() == []
    response = get(f"/api/v1/notifications/{theirs.notification_id}/deliveries", headers=SSP_820)
    assert response.status_code == 200 and response.json() == []
    # The police coordinator of the district sees both.
    both = get("/api/v1/notifications", params={"concern_id": str(theirs.concern_id)}, headers=POLICE_NJ).json()
    assert [n["notification_id"] for n in both] == [str(theirs.notification_id)]


def test_another_municipalitys_deliveries_answer_like_unknown_ones(api, notices):
    theirs, ours = notices["851"], notices["820"]
    get, post = api["notify"].get, api["notify"].post
    [delivery] = [d for d in deliveries(api, theirs.notification_id) if d["channel"] == "in_app"][:1]
    log = get("/api/v1/deliveries", params={"limit": 1000}, headers=SSP_820)
    assert log.status_code == 200
    listed = {d["notification_id"] for d in log.json()}
    assert str(ours.notification_id) in listed and str(theirs.notification_id) not in listed
    assert str(notices["fyn"].notification_id) not in listed  # another district's network meeting
    history = get(f"/api/v1/deliveries/{delivery['delivery_id']}/log", headers=SSP_820)
    assert history.status_code == 200 and history.json() == []
    assert get(f"/api/v1/deliveries/{delivery['delivery_id']}/log", headers=POLICE_NJ).json()
    unknown = post(f"/api/v1/deliveries/{uuid4()}/retry", headers=SSP_820)
    retried = post(f"/api/v1/deliveries/{delivery['delivery_id']}/retry", headers=SSP_820)
    assert retried.status_code == unknown.status_code == 404 and retried.json() == unknown.json()
    held = post(f"/api/v1/notifications/{theirs.notification_id}/hold", headers=SSP_820,
                json={"reason": "afventer risikovurdering", "review_on": "2030-01-01"})
    unknown = post(f"/api/v1/notifications/{uuid4()}/hold", headers=SSP_820,
                   json={"reason": "afventer risikovurdering", "review_on": "2030-01-01"})
    assert held.status_code == unknown.status_code == 404 and held.json() == unknown.json()
    # The controller's compliance officer sees the whole log.
    assert str(theirs.notification_id) in {d["notification_id"] for d in deliveries(api, limit=1000)}
