"""Isolation in Kafka itself: each service and partner has its own principal, and the broker
(SASL/PLAIN + StandardAuthorizer, no ACL = no access) gives it only what the topic catalogue says.

The network principal cannot read or write a case topic; a partner reads its own topic only; a
service cannot read the network's topic. Denials are asserted as the broker's specific error.

The denials are checked on this run's topics (``<run_id>.``). The reads that must work are checked
with records put there by the super user: on the partner topic (nothing in the stack reads it) and,
for the service topics, under a second prefix of this test's own (``<run_id>acl.``), so that the
running stack's consumers and consumer groups are not disturbed.
"""

import asyncio
import io
from collections.abc import Iterator
from uuid import uuid4

import pytest
from aiokafka import AIOKafkaProducer
from aiokafka.errors import GroupAuthorizationFailedError, TopicAuthorizationFailedError

from infohus_contracts.base.topics import NETWORK_AGGREGATES
from infohus_contracts.case.topics import CASE_EVENTS, CONCERN_RECEIVED, NOTIFY_REQUESTS
from infohus_tools import kafka_acls as acls
from support import kafka_auth, produce, read_as

CASE_TOPICS = [CASE_EVENTS, CONCERN_RECEIVED]
PARTNER = "sbsys"
PARTNERS = [PARTNER, "acme"]  # under the private prefix: a second partner, to be denied


@pytest.fixture(scope="module")
def bootstrap(infra_env: dict[str, str]) -> str:
    # A broker without SASL and ACLs lacks the third isolation layer: that is a failure, not a skip.
    assert infra_env.get("KAFKA_SECURITY_PROTOCOL", "PLAINTEXT") == "SASL_PLAINTEXT", \
        "the broker has no SASL/ACLs (KAFKA_SECURITY_PROTOCOL=PLAINTEXT): the network's third layer is missing"
    return infra_env["KAFKA_BOOTSTRAP_SERVERS"]


@pytest.fixture(scope="module")
def private_prefix(bootstrap: str, run_id: str) -> Iterator[str]:
    """Topics and ACLs of this test only, made by the same code as the run's."""
    prefix = f"{run_id}acl."
    admin = acls.AdminSettings().client_config() | {"bootstrap.servers": bootstrap}
    acls.apply(admin, prefix, PARTNERS, out=io.StringIO())
    yield prefix
    acls.revoke(admin, prefix, out=io.StringIO())


async def read(bootstrap: str, principal: str, topic: str, *, group_id: str | None = None, expect: int = 1,
               timeout: float = 20.0) -> tuple[list, set]:
    """Read as ``principal`` until ``expect`` records came; returns them and the partitions assigned."""
    return await read_as(bootstrap, topic, kafka_auth(principal), group_id=group_id, expect=expect, timeout=timeout)


async def write(bootstrap: str, principal: str, topic: str, *, idempotent: bool = True) -> None:
    """Produce one record as ``principal``; idempotent like the services' producers unless told."""
    producer = AIOKafkaProducer(bootstrap_servers=bootstrap, enable_idempotence=idempotent, request_timeout_ms=15000,
                                **kafka_auth(principal))
    try:
        await producer.start()
        await producer.send_and_wait(topic, b'{"acl": "test"}', key=b"acl-test")
    finally:
        await producer.stop()


def bounded(coro):
    """A denial must come as an error, not as a hang."""
    return asyncio.wait_for(coro, timeout=45)


# -- the network principal -------------------------------------------------------------------------


@pytest.mark.parametrize("topic", CASE_TOPICS, ids=lambda t: t.name)
async def test_the_network_principal_cannot_read_a_case_topic(bootstrap, kafka_acls, topic):
    with pytest.raises(TopicAuthorizationFailedError):
        await bounded(read(bootstrap, "network", topic.qualified(kafka_acls)))


@pytest.mark.parametrize("topic", CASE_TOPICS, ids=lambda t: t.name)
async def test_the_network_principal_cannot_read_a_case_topic_in_its_own_group(bootstrap, private_prefix, topic):
    # Its group is allowed; the topic is not.
    with pytest.raises(TopicAuthorizationFailedError):
        await bounded(read(bootstrap, "network", topic.qualified(private_prefix),
                           group_id=acls.group_id("network", private_prefix)))


@pytest.mark.parametrize("topic", CASE_TOPICS, ids=lambda t: t.name)
async def test_the_network_principal_cannot_write_a_case_topic(bootstrap, kafka_acls, topic):
    with pytest.raises(TopicAuthorizationFailedError):
        await bounded(write(bootstrap, "network", topic.qualified(kafka_acls)))


async def test_the_network_principal_reads_its_own_topic(bootstrap, kafka_acls):
    topic = NETWORK_AGGREGATES.qualified(kafka_acls)
    _, assigned = await bounded(read(bootstrap, "network", topic, expect=10**6, timeout=3))
    assert {tp.topic for tp in assigned} == {topic} and len(assigned) == 3


async def test_the_network_principal_reads_its_own_topic_in_its_own_group_and_nothing_more(bootstrap, private_prefix):
    topic = NETWORK_AGGREGATES.qualified(private_prefix)
    marker = uuid4().hex.encode()
    await produce(bootstrap, topic, marker)  # as the super user, like registry would
    records, _ = await bounded(read(bootstrap, "network", topic, group_id=acls.group_id("network", private_prefix)))
    assert [r.value for r in records] == [marker]
    with pytest.raises(GroupAuthorizationFailedError):  # another service's group
        await bounded(read(bootstrap, "network", topic, group_id=acls.group_id("registry", private_prefix)))
    with pytest.raises(TopicAuthorizationFailedError):  # only registry produces aggregates
        await bounded(write(bootstrap, "network", topic))


async def test_a_case_topic_is_readable_by_its_consumer(bootstrap, private_prefix):
    """The control for the denials above: the topic is there and readable, by registry."""
    topic = CASE_EVENTS.qualified(private_prefix)
    marker = uuid4().hex.encode()
    await produce(bootstrap, topic, marker)
    records, _ = await bounded(read(bootstrap, "registry", topic, group_id=acls.group_id("registry", private_prefix)))
    assert [r.value for r in records] == [marker]
    with pytest.raises(TopicAuthorizationFailedError):
        await bounded(read(bootstrap, "network", topic))


# -- a partner's principal -------------------------------------------------------------------------


async def test_a_partner_reads_its_own_topic_in_its_own_groups(bootstrap, kafka_acls):
    topic = acls.partner_topic(PARTNER, kafka_acls)
    marker = uuid4().hex.encode()
    await produce(bootstrap, topic, marker)  # as the super user, like notify would
    records, _ = await bounded(read(bootstrap, f"partner-{PARTNER}", topic,
                                    group_id=f"{kafka_acls}partner-{PARTNER}-1"))
    assert [r.value for r in records] == [marker]
    with pytest.raises(GroupAuthorizationFailedError):  # a group outside partner-<id>*
        await bounded(read(bootstrap, f"partner-{PARTNER}", topic, group_id=acls.group_id("notify", kafka_acls)))
    # Only notify writes it. (An idempotent producer would already be refused its producer id, with
    # ClusterAuthorizationFailedError, as the partner may write no topic at all.)
    with pytest.raises(TopicAuthorizationFailedError):
        await bounded(write(bootstrap, f"partner-{PARTNER}", topic, idempotent=False))


@pytest.mark.parametrize("topic", [*CASE_TOPICS, NOTIFY_REQUESTS, NETWORK_AGGREGATES], ids=lambda t: t.name)
async def test_a_partner_is_denied_the_platform_topics(bootstrap, kafka_acls, topic):
    with pytest.raises(TopicAuthorizationFailedError):
        await bounded(read(bootstrap, f"partner-{PARTNER}", topic.qualified(kafka_acls)))


async def test_a_partner_cannot_read_another_partners_topic(bootstrap, private_prefix):
    other = acls.partner_topic("acme", private_prefix)
    marker = uuid4().hex.encode()
    await produce(bootstrap, other, marker)
    with pytest.raises(TopicAuthorizationFailedError):
        await bounded(read(bootstrap, f"partner-{PARTNER}", other))


# -- the services ----------------------------------------------------------------------------------


async def test_a_service_cannot_read_the_network_topic_it_does_not_consume(bootstrap, kafka_acls):
    with pytest.raises(TopicAuthorizationFailedError):
        await bounded(read(bootstrap, "intake", NETWORK_AGGREGATES.qualified(kafka_acls)))


async def test_applying_the_acls_again_changes_nothing(bootstrap, private_prefix):
    admin = acls.AdminSettings().client_config() | {"bootstrap.servers": bootstrap}
    summary = acls.apply(admin, private_prefix, PARTNERS, out=io.StringIO())
    assert summary["topics_created"] == summary["acls_created"] == summary["acls_deleted"] == 0
    assert summary["acls_unchanged"] == len(acls.plan(private_prefix, PARTNERS))
