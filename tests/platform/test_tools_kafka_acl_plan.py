"""The ACL plan derived from the topic catalogue (no broker; test_kafka_acls.py runs it on the real one)."""

from infohus_contracts.case.topics import ALL_TOPICS, CASE_EVENTS, CONCERN_RECEIVED
from infohus_tools.kafka_acls import Grant, managed, plan, topics

P = "t1."


def grants_of(principal: str, partners=("sbsys",)) -> set[tuple[str, str, str, str]]:
    return {(g.resource_type, g.pattern, g.name, g.operation) for g in plan(P, partners) if g.principal == principal}


def test_the_network_principal_reads_exactly_its_aggregate_topic_in_its_own_group():
    network = grants_of("User:network")
    assert {g for g in network if g[3] == "READ"} == {
        ("TOPIC", "LITERAL", "t1.infohus.network.aggregates.v1", "READ"),
        ("GROUP", "LITERAL", "t1.infohus.network", "READ"),
    }
    # It writes its dead letters and what the catalogue says it produces (ids-only notify requests
    # for the forum), never a case topic.
    produced = {t.qualified(P) for t in ALL_TOPICS if "network" in t.producers}
    assert {g[2] for g in network if g[3] == "WRITE"} == {"t1.infohus.network.aggregates.v1.dlq", *produced}
    assert not {g[2] for g in network} & {CASE_EVENTS.qualified(P), CONCERN_RECEIVED.qualified(P)}
    assert {g[2] for g in network if g[0] == "TOPIC"} == {
        "t1.infohus.network.aggregates.v1", "t1.infohus.network.aggregates.v1.dlq", *produced}


def test_a_partner_gets_exactly_its_own_topic_and_groups():
    assert grants_of("User:partner-sbsys", ("sbsys", "acme")) == {
        ("TOPIC", "LITERAL", "t1.infohus.partner.sbsys.v1", "READ"),
        ("TOPIC", "LITERAL", "t1.infohus.partner.sbsys.v1", "DESCRIBE"),
        ("GROUP", "PREFIXED", "t1.partner-sbsys", "READ"),
    }
    assert ("TOPIC", "LITERAL", "t1.infohus.partner.acme.v1", "WRITE") in grants_of("User:notify", ("sbsys", "acme"))


def test_only_declared_producers_and_consumers_touch_the_case_topics():
    for topic in (CASE_EVENTS, CONCERN_RECEIVED):
        who = {g.principal for g in plan(P, ["sbsys"]) if g.name == topic.qualified(P)}
        assert who == {f"User:{s}" for s in (*topic.producers, *topic.consumers)}


def test_every_grant_is_under_the_prefix_and_every_topic_is_created():
    grants = plan(P, ["sbsys"])
    assert all(g.name.startswith(P) for g in grants)
    assert {g.name for g in grants if g.resource_type == "TOPIC"} <= set(topics(P, ["sbsys"]))
    assert len(topics(P, ["sbsys"])) == 2 * len(ALL_TOPICS) + 1


def test_apply_only_prunes_the_platforms_grants_under_its_own_prefix():
    mine = Grant("User:network", "TOPIC", "LITERAL", "t1.infohus.case.events.v1", "READ")
    assert managed(mine, "t1.")
    assert not managed(mine, "t10.") and not managed(mine, "")  # another run's, or the deployment's
    assert not managed(Grant("User:someone", "TOPIC", "LITERAL", "t1.infohus.x", "READ"), "t1.")
    assert managed(Grant("User:network", "TOPIC", "LITERAL", "infohus.case.events.v1", "READ"), "")


def test_no_topic_outlives_the_shortest_deletion_period_in_the_retention_policy():
    """The README's choice of topic retention over crypto-shredding holds only while this does."""
    import json
    from pathlib import Path

    from infohus_tools.kafka_acls import TOPIC_RETENTION_MS

    data = json.loads((Path(__file__).parents[2] / "policies/infohus/config/data.json").read_text())
    shortest_months = min(rule["months"] for rule in data["retention"]["rules"].values())
    shortest_ms = shortest_months * 28 * 24 * 3600 * 1000  # the shortest month, to be safe
    assert shortest_ms > TOPIC_RETENTION_MS, (
        f"topics keep events for {TOPIC_RETENTION_MS // 86_400_000} days, but policy deletes after "
        f"{shortest_months} months: shorten the topic retention or switch to crypto-shredding")
