"""The thin path over the real broker, OPA and PostgreSQL: intake → assessment → registry → network, notify."""

from datetime import UTC, datetime

import samples
from support import bearer, eventually, json_if_ok, query, submit_concern


def test_a_concern_reaches_every_service(api, stack, as_user):
    response = submit_concern(api, samples.concern(age=16, municipality_code="820"))
    assert response.status_code == 202
    concern_id = response.json()["concern_id"]

    coordinator, registrar = as_user("ssp_coordinator"), as_user("registration_coordinator")
    case = eventually(lambda: json_if_ok(api["assessment"].get(f"/api/v1/cases/by-concern/{concern_id}",
                                                               headers=coordinator)))
    assert case["lead"] == "ssp_coordinator"  # under 18

    registration = eventually(lambda: json_if_ok(api["registry"].get(f"/api/v1/registrations/{concern_id}",
                                                                     headers=registrar)))
    assert registration["municipality_code"] == "820"
    assert registration["sender"] == "Aars Skole"
    assert registration["age_band"] == "15-17"
    assert registration["family_network"] == "Bor hos sin mor og to søskende; far bor i Aalborg."

    notifications = eventually(
        lambda: api["notify"].get("/api/v1/notifications", params={"concern_id": concern_id},
                                  headers=coordinator).json()
    )
    assert [(n["kind"], n["recipient"], n["status"]) for n in notifications] == [
        ("duty_to_inform", "data_subject", "recorded")
    ]

    # Every event that left a service was allowed by OPA first, and the decision is on record.
    shares = eventually(lambda: query(stack, "registry", "SELECT topic, status, decision_id, policy_version "
                                                         "FROM outbox_message WHERE key = $1 AND status <> 'pending'",
                                      concern_id))
    assert shares and all(row["status"] == "published" for row in shares)
    assert all(row["decision_id"] and row["policy_version"] for row in shares)


def test_the_network_sees_a_count_only_once_it_reaches_k(api, as_user):
    # The stack serves one municipality: a month no other test receives concerns in keeps the cell this test's own.
    received = datetime.now(UTC).replace(year=datetime.now(UTC).year - 3, day=10)
    period = f"{received:%Y-%m}"

    def concern():
        return samples.concern(received_at=received.isoformat())

    def network_cell():
        rows = api["network"].get("/api/v1/aggregates", headers=bearer("network_member")).json()
        return [r for r in rows if r["municipality_code"] == "820" and r["period"] == period]

    first = submit_concern(api, concern())
    assert first.status_code == 202
    cell = eventually(network_cell)
    assert cell[0]["suppressed"] is True and cell[0]["count"] is None

    for _ in range(4):
        assert submit_concern(api, concern()).status_code == 202
    cell = eventually(lambda: [c for c in network_cell() if c["count"] == 5])
    assert cell[0]["suppressed"] is False
    assert set(cell[0]) == {"municipality_code", "period", "metric", "count", "suppressed", "k", "computed_at"}
