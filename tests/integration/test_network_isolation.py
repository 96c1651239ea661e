"""Property tests: personal data put into every field never reaches the network's storage, API or logs."""

import asyncio
import json
import os
import string
from datetime import UTC, date, datetime, timedelta
from uuid import uuid4

from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

import samples
from support import bearer, eventually, json_if_ok, produce, query, submit_concern

EXAMPLES = int(os.environ.get("INFOHUS_PROPERTY_EXAMPLES", "12"))
MARK = st.text(alphabet=string.ascii_uppercase, min_size=10, max_size=10).map(lambda s: f"PII{s}")
BIRTH = st.dates(min_value=date(1950, 1, 1), max_value=date.today() - timedelta(days=365 * 12))
CODE = "820"  # the test stack serves only its own municipality
LEADER = bearer("leadership", municipality_code=CODE, org=f"kommune-{CODE}")
NETWORK_TABLES_SQL = "SELECT tablename FROM pg_tables WHERE schemaname = 'public'"


def network_everything(api, stack) -> str:
    """All the network holds and shows: every table's rows, its API answers and its log."""
    dump = []
    for table in query(stack, "network", NETWORK_TABLES_SQL):
        rows = query(stack, "network", f'SELECT * FROM "{table["tablename"]}"')
        dump.append(json.dumps([dict(r) for r in rows], default=str, ensure_ascii=False))
    dump.append(api["network"].get("/api/v1/aggregates", headers=bearer("network_member")).text)
    dump.append(stack["network"].log_path.read_text(errors="replace"))
    return "\n".join(dump)


def relayed(stack) -> bool:
    rows = query(stack, "registry", "SELECT count(*) AS n FROM outbox_message WHERE status = 'pending'")
    return rows[0]["n"] == 0


# Each example goes through the real stack, so no shrinking: a failure prints its example as it is.
@settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture],
          phases=[Phase.explicit, Phase.reuse, Phase.generate], database=None)
@given(marks=st.lists(MARK, min_size=12, max_size=12, unique=True), born=BIRTH, serial=st.integers(0, 999))
def test_personal_data_in_every_field_of_a_concern_never_reaches_the_network(api, stack, marks, born, serial):
    cpr = samples.cpr_for(datetime.combine(born, datetime.min.time()), serial)
    body = samples.concern(municipality_code=CODE) | {
        "person": {"name": f"{marks[0]} {marks[1]}", "cpr": cpr, "birth_date": born.isoformat(), "area": marks[2],
                   "nationality": marks[3], "family_network": marks[4], "school_work": marks[5]},
        "description": f"Bekymring: {marks[6]}",
        "reporter": {"name": marks[7], "organisation": marks[8], "role": marks[9], "phone": "+45 " + marks[10][-8:],
                     "email": f"{marks[11].lower()}@example.dk"},
    }
    response = submit_concern(api, body)
    assert response.status_code == 202, response.text
    concern_id = response.json()["concern_id"]
    eventually(lambda: json_if_ok(api["registry"].get(f"/api/v1/registrations/{concern_id}",
                                                      headers=LEADER)))
    eventually(lambda: relayed(stack))
    everything = network_everything(api, stack)
    for secret in [*marks, cpr, concern_id]:
        assert secret not in everything


AGGREGATE_KEYS = ["report_id", "municipality_code", "period", "metric", "count", "suppressed", "k", "computed_at"]


# Each example goes through the real stack, so no shrinking: a failure prints its example as it is.
@settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture],
          phases=[Phase.explicit, Phase.reuse, Phase.generate], database=None)
@given(mark=MARK, field=st.sampled_from([*AGGREGATE_KEYS, "person", "description", "cpr", "name"]))
def test_an_aggregate_carrying_personal_data_in_any_field_is_quarantined(api, stack, infra_env, mark, field):
    """Layer 2 on its own: the event is put on the network's topic directly, past the policy check."""
    report = {"report_id": str(uuid4()), "municipality_code": CODE, "period": f"{datetime.now(UTC):%Y-%m}",
              "metric": "concerns_received", "count": 7, "suppressed": False, "k": 5,
              "computed_at": datetime.now(UTC).isoformat()}
    report[field] = {"name": mark, "cpr": "0101104234"} if field == "person" else mark
    headers = {"ce_id": str(uuid4()), "ce_source": f"/infohus/kommune-{CODE}/registry", "ce_specversion": "1.0",
               "ce_type": "dk.infohus.network.aggregate.v1", "ce_time": datetime.now(UTC).isoformat(),
               "content-type": "application/json"}
    asyncio.run(produce(infra_env["KAFKA_BOOTSTRAP_SERVERS"], f"{stack.run_id}.infohus.network.aggregates.v1",
                        json.dumps(report).encode(), headers))
    eventually(lambda: f'"{headers["ce_id"]}"' in stack["network"].log_path.read_text(errors="replace")
               or headers["ce_id"] in json.dumps([dict(r) for r in query(
                   stack, "network", "SELECT event_id FROM processed_event")]))
    assert mark not in network_everything(api, stack)
