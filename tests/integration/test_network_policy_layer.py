"""Layer 1 on its own: a buggy service stages case data towards the network; OPA stops it before Kafka."""

import asyncio
import json
from uuid import uuid4

from infohus_contracts.base.topics import NETWORK_AGGREGATES
from support import eventually, query, read_topic

MARK = "PIIPOLICYLAYER"


def test_case_data_staged_for_the_network_never_reaches_its_topic(stack, infra_env):
    event_id = str(uuid4())
    leak = {"person": {"name": f"Åse {MARK}", "cpr": "0101104234"}, "description": f"Bekymring {MARK}"}
    headers = {"ce_id": event_id, "ce_source": "/infohus/kommune-820/registry",
               "ce_type": NETWORK_AGGREGATES.event_types[0], "ce_specversion": "1.0",
               "ce_time": "2026-11-23T10:00:00+00:00", "content-type": "application/json"}
    share = {"recipient_kind": "network", "purpose": "statistics",
             "data_classes": ["identity", "narrative", "special_category"]}
    # What a bug in the registry would write: the schema check (the network's) and the ACLs (the
    # registry may write this topic) are no help here; only the relay's policy check stands in the way.
    query(stack, "registry",
          "INSERT INTO outbox_message (event_id, topic, key, headers, body, share, status, created_at, legal_basis,"
          " deny_reasons) VALUES ($1, 'infohus.network.aggregates.v1', '820:leak', $2, $3, $4, 'pending', now(),"
          " '[]', '[]')", event_id, json.dumps(headers), json.dumps(leak), json.dumps(share))

    def decided():
        rows = query(stack, "registry", "SELECT status, deny_reasons, decision_id FROM outbox_message "
                                        "WHERE event_id = $1", event_id)
        return rows if rows and rows[0]["status"] != "pending" else None

    [row] = eventually(decided, timeout=30)
    assert row["status"] == "denied" and row["decision_id"]
    assert any("aggregates and general knowledge only" in r for r in json.loads(row["deny_reasons"]))
    published = asyncio.run(read_topic(infra_env["KAFKA_BOOTSTRAP_SERVERS"],
                                       f"{stack.run_id}.infohus.network.aggregates.v1", expect=10_000, timeout=5))
    assert not any(MARK.encode() in (record.value or b"") for record in published)
