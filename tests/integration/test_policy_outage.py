"""OPA stopped mid-run: nothing leaves any service while it is away, and nothing is lost."""

import asyncio
import json
from datetime import UTC, datetime
from uuid import uuid4

from prometheus_client.parser import text_string_to_metric_families

import samples
from support import eventually, produce, query, submit_concern

SERVICES_WITH_OUTBOX = ("intake", "assessment", "registry")


def times_opa_was_away(api, service: str) -> float:
    """How often the service's relay found OPA unreachable (``infohus_policy_unavailable_total``)."""
    for family in text_string_to_metric_families(api[service].get("/metrics").text):
        if family.name == "infohus_policy_unavailable":
            return sum(sample.value for sample in family.samples if sample.name.endswith("_total"))
    return 0.0


def published_between(stack, start: datetime, end: datetime) -> int:
    return sum(
        query(stack, service, "SELECT count(*) AS n FROM outbox_message WHERE published_at > $1 AND published_at < $2",
              start, end)[0]["n"]
        for service in SERVICES_WITH_OUTBOX
    )


async def received_while_down(infra_env, stack, code: str) -> str:
    """A concern event arriving on the broker while OPA is away (as if intake had published it just before)."""
    concern_id = str(uuid4())
    body = samples.concern(municipality_code=code) | {"concern_id": concern_id,
                                                     "received_at": datetime.now(UTC).isoformat()}
    headers = {"ce_id": str(uuid4()), "ce_source": f"/infohus/kommune-{code}/intake",
               "ce_type": "dk.infohus.concern.received.v1", "ce_specversion": "1.0",
               "ce_time": datetime.now(UTC).isoformat(), "ce_subject": concern_id, "content-type": "application/json"}
    await produce(infra_env["KAFKA_BOOTSTRAP_SERVERS"], f"{stack.run_id}.infohus.concern.received.v1",
                  json.dumps(body).encode(), headers, key=concern_id.encode())
    return concern_id


def pending_for(stack, concern_ids: list[str]) -> int:
    """Events about these concerns still waiting in an outbox (a relay may be deciding them right now)."""
    return sum(
        query(stack, service, "SELECT count(*) AS n FROM outbox_message WHERE status = 'pending' AND key = ANY($1)",
              concern_ids)[0]["n"]
        for service in SERVICES_WITH_OUTBOX
    )


def test_opa_stopped_mid_run_loses_nothing_and_leaks_nothing(api, stack, policy_server, infra_env):
    try:
        opa_stopped_mid_run(api, stack, policy_server, infra_env)
    finally:
        if not policy_server.healthy():  # the rest of the suite needs OPA, whatever happened here
            policy_server.start()


def opa_stopped_mid_run(api, stack, policy_server, infra_env):
    code = "820"  # the test stack serves only its own municipality: these concerns are told apart by id
    accepted = [submit_concern(api, samples.concern(municipality_code=code)).json()["concern_id"] for _ in range(3)]

    def first_ones_through() -> bool:
        rows = query(stack, "registry", "SELECT count(*) AS n FROM registration WHERE concern_id = ANY($1)", accepted)
        return rows[0]["n"] == len(accepted) and pending_for(stack, accepted) == 0

    # No relay may be halfway through a share when OPA goes: one allowed just before the stop would
    # be stamped published just after it, and count as leaked.
    eventually(first_ones_through, timeout=60)
    policy_server.stop()
    stopped_at = datetime.now(UTC)
    refused = submit_concern(api, samples.concern(municipality_code=code))
    assert refused.status_code == 503  # fail closed, and said clearly: not a 500
    assert "cannot be asked" in refused.text
    while_down = [asyncio.run(received_while_down(infra_env, stack, code)) for _ in range(3)]
    accepted += while_down

    def waiting_in_assessment() -> int:
        return query(stack, "assessment", "SELECT count(*) AS n FROM outbox_message o JOIN case_file c "
                                          "ON o.key = c.concern_id WHERE o.status = 'pending' "
                                          "AND c.concern_id = ANY($1)", while_down)[0]["n"] >= 3

    eventually(waiting_in_assessment, timeout=30)  # the cases opened; their events wait for a decision
    # The relay tried to decide them, twice after they waited, and found OPA away each time.
    refusals = times_opa_was_away(api, "assessment")
    eventually(lambda: times_opa_was_away(api, "assessment") >= refusals + 2, timeout=30)
    restarted_at = datetime.now(UTC)
    assert published_between(stack, stopped_at, restarted_at) == 0  # nothing left without a decision
    policy_server.start()

    def all_registered() -> bool:
        rows = query(stack, "registry", "SELECT concern_id FROM registration WHERE concern_id = ANY($1)", accepted)
        return sorted(r["concern_id"] for r in rows) == sorted(accepted)

    eventually(all_registered, timeout=60, interval=0.5)  # the work that waited was finished, none lost
    for service in SERVICES_WITH_OUTBOX:
        undecided = query(stack, service, "SELECT count(*) AS n FROM outbox_message "
                                          "WHERE status = 'published' AND decision_id IS NULL")[0]["n"]
        assert undecided == 0, service

    def one_notice_each() -> bool:
        rows = query(stack, "notify", "SELECT count(DISTINCT concern_id) AS n FROM notification "
                                      "WHERE concern_id = ANY($1)", accepted)
        return rows[0]["n"] == len(accepted)

    eventually(one_notice_each, timeout=60, interval=0.5)
