"""A malformed event goes to the dead-letter topic with the reason; the consumer carries on."""

import json
from datetime import UTC, datetime
from uuid import uuid4

import samples
from support import bearer, body_of, eventually, headers_of, json_if_ok, produce, read_topic, submit_concern


def ce_headers(event_type: str = "dk.infohus.concern.received.v1") -> dict[str, str]:
    return {
        "ce_id": str(uuid4()),
        "ce_source": "/infohus/test/intruder",
        "ce_type": event_type,
        "ce_specversion": "1.0",
        "ce_time": datetime.now(UTC).isoformat(),
        "content-type": "application/json",
    }


async def test_malformed_events_are_dead_lettered_and_the_consumer_carries_on(api, stack, infra_env):
    bootstrap = infra_env["KAFKA_BOOTSTRAP_SERVERS"]
    topic = f"{stack.run_id}.infohus.concern.received.v1"
    bad_cpr = "3299991234"
    schema_invalid = json.dumps({"concern_id": str(uuid4()), "person": {"name": "Åse", "cpr": bad_cpr}}).encode()

    await produce(bootstrap, topic, b"{not json", ce_headers())
    await produce(bootstrap, topic, schema_invalid, ce_headers())
    await produce(bootstrap, topic, b'{"concern_id": "x"}', {"content-type": "application/json"})

    dead = await read_topic(bootstrap, topic + ".dlq", expect=3)
    reasons = [headers_of(record)["dlq_reason"] for record in dead]
    assert len(dead) == 3, reasons
    assert any("CloudEvents" in reason for reason in reasons)
    assert any("person.cpr" in reason for reason in reasons)
    assert all(headers_of(record)["dlq_topic"] == topic for record in dead)
    assert all(bad_cpr not in reason for reason in reasons)

    # The consumer did not stop: a good concern still becomes a case.
    response = submit_concern(api, samples.concern())
    concern_id = response.json()["concern_id"]
    eventually(lambda: json_if_ok(api["assessment"].get(f"/api/v1/cases/by-concern/{concern_id}",
                                                        headers=bearer("ssp_coordinator"))))


async def test_the_network_quarantines_case_data_without_copying_it(api, stack, infra_env):
    bootstrap = infra_env["KAFKA_BOOTSTRAP_SERVERS"]
    topic = f"{stack.run_id}.infohus.network.aggregates.v1"
    leak = samples.concern(municipality_code="820")
    await produce(bootstrap, topic, json.dumps(leak).encode(), ce_headers("dk.infohus.network.aggregate.v1"))

    # Both consumers of the topic (the network, and notify for partners) refuse it; neither copies it.
    dead = await read_topic(bootstrap, topic + ".dlq", expect=2, timeout=60)
    assert sorted(headers_of(record)["dlq_service"] for record in dead) == ["network", "notify"]
    for record in dead:
        assert record.value in (b"", None)
        assert body_of(record) is None
        assert "ce_subject" not in headers_of(record)
    rows = api["network"].get("/api/v1/aggregates", headers=bearer("network_member")).text
    assert leak["person"]["name"] not in rows and leak["person"]["cpr"] not in rows
    metrics = api["network"].get("/metrics").text
    assert 'infohus_quarantined_total{topic="infohus.network.aggregates.v1"} 1.0' in metrics
