"""The district exchange cluster: one principal per organisation, one topic per agreed link, and the broker
(SASL/PLAIN + StandardAuthorizer, no ACL = no access) lets only the link's sender write it and only its
recipient read it, in the recipient's own consumer groups.

A district document of this test's own (two municipalities, the police district, the network) goes through
``python -m infohus_tools.kafka_acls exchange-apply`` under a prefix of this run (revoked at the end); every
assertion is then made as the organisations' principals against the real exchange cluster. The clusters stay
apart: an organisation's principal does not exist on an instance's own cluster, nor a service's on the exchange.
"""

import asyncio
import io
import json
import logging
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from uuid import uuid4

import pytest
from aiokafka import AIOKafkaProducer
from aiokafka.admin import AIOKafkaAdminClient
from aiokafka.errors import GroupAuthorizationFailedError, KafkaConnectionError, TopicAuthorizationFailedError
from confluent_kafka.admin import AdminClient, ConfigResource

from infohus_contracts.base.district import District, link_topic, load_district
from infohus_tools import kafka_acls as acls
from support import exchange_auth, kafka_auth, read_as

K820, K851, POLICE, NETWORK = "kommune-820", "kommune-851", "politi-nordjylland", "netvaerk-nordjylland"
DISTRICT = {
    "district": "nordjylland",
    "version": "test-1",
    "organisations": {
        K820: {"kind": "municipality", "name": "Vesthimmerlands Kommune", "municipalities": ["820"]},
        K851: {"kind": "municipality", "name": "Aalborg Kommune", "municipalities": ["851"]},
        POLICE: {"kind": "police", "name": "Nordjyllands Politi", "municipalities": ["820", "851"]},
        NETWORK: {"kind": "network", "name": "Infohus Netværk Nordjylland", "municipalities": ["820", "851"]},
    },
    "agreements": [
        {"type": "infohus.x.concern.v1", "from": "municipality", "to": "police", "sensitivity": "sensitive",
         "data_classes": ["concern"], "purpose": "kriminalitetsforebyggelse", "legal_basis": ["rsl_115"]},
        {"type": "infohus.x.assessment.v1", "from": "police", "to": "municipality", "sensitivity": "sensitive",
         "data_classes": ["assessment"], "purpose": "kriminalitetsforebyggelse", "legal_basis": ["rsl_115"]},
        {"type": "infohus.x.aggregates.v1", "from": "municipality", "to": "network", "sensitivity": "aggregate",
         "data_classes": ["aggregate"], "purpose": "statistik"},
    ],
}


@pytest.fixture(scope="module")
def exchange(infra_env: dict[str, str]) -> str:
    # An exchange cluster without SASL and ACLs would let every organisation read every link: a failure.
    assert infra_env.get("EXCHANGE_SECURITY_PROTOCOL", "PLAINTEXT") == "SASL_PLAINTEXT", \
        "the exchange cluster has no SASL/ACLs (EXCHANGE_SECURITY_PROTOCOL is not SASL_PLAINTEXT)"
    assert infra_env.get("KAFKA_SECURITY_PROTOCOL", "PLAINTEXT") == "SASL_PLAINTEXT"
    return infra_env["EXCHANGE_BOOTSTRAP_SERVERS"]


@pytest.fixture(scope="module")
def district_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("district") / "district.json"
    path.write_text(json.dumps(DISTRICT, ensure_ascii=False), "utf-8")
    return path


@pytest.fixture(scope="module")
def district(district_file: Path) -> District:
    return load_district(district_file)


def run_acls(infra_env: dict[str, str], command: str, district_file: Path, prefix: str) -> str:
    return subprocess.run(
        [sys.executable, "-m", "infohus_tools.kafka_acls", command, "--district-file", str(district_file),
         "--prefix", prefix], check=True, env=dict(os.environ) | infra_env, capture_output=True, text=True,
    ).stdout


@pytest.fixture(scope="module")
def prefix(exchange: str, infra_env: dict[str, str], district_file: Path, run_id: str) -> Iterator[str]:
    """This test's link topics and grants on the exchange cluster, made by the command-line tool."""
    prefix = f"{run_id}x."
    printed = run_acls(infra_env, "exchange-apply", district_file, prefix)
    assert "6 links: topics 6 created" in printed, printed
    yield prefix
    run_acls(infra_env, "exchange-revoke", district_file, prefix)


def group(org: str, prefix: str, service: str = "assessment") -> str:
    return f"{prefix}{org}.{service}"  # what an organisation's receiving service uses


async def read(bootstrap: str, org: str, topic: str, *, group_id: str | None = None) -> list:
    records, _ = await read_as(bootstrap, topic, exchange_auth(org), group_id=group_id)
    return records


async def write(bootstrap: str, org: str, topic: str, value: bytes = b'{"exchange": "test"}', **auth) -> None:
    producer = AIOKafkaProducer(bootstrap_servers=bootstrap, request_timeout_ms=15000, **(auth or exchange_auth(org)))
    try:
        await producer.start()
        await producer.send_and_wait(topic, value, key=b"exchange-test")
    finally:
        await producer.stop()


def bounded(coro):
    """A denial must come as an error, not as a hang."""
    return asyncio.wait_for(coro, timeout=45)


def admin_client(config: dict) -> AdminClient:
    return AdminClient(config | {"socket.timeout.ms": 10000})


# -- a link: its sender writes, its recipient reads -------------------------------------------------


async def test_the_sender_writes_its_link_and_the_recipient_reads_it_in_its_own_group(exchange, prefix):
    topic = link_topic(K820, POLICE, prefix)
    marker = uuid4().hex.encode()
    await bounded(write(exchange, K820, topic, marker))
    records = await bounded(read(exchange, POLICE, topic, group_id=group(POLICE, prefix)))
    assert [r.value for r in records] == [marker]


async def test_the_recipient_cannot_read_its_link_in_another_organisations_group(exchange, prefix):
    topic = link_topic(K820, POLICE, prefix)
    with pytest.raises(GroupAuthorizationFailedError):
        await bounded(read(exchange, POLICE, topic, group_id=group(K820, prefix)))
    with pytest.raises(GroupAuthorizationFailedError):  # a group without its org's dot is not its own either
        await bounded(read(exchange, POLICE, topic, group_id=f"{prefix}{POLICE}-assessment"))


async def test_the_recipient_cannot_write_its_inbound_link(exchange, prefix):
    with pytest.raises(TopicAuthorizationFailedError):
        await bounded(write(exchange, POLICE, link_topic(K820, POLICE, prefix)))


async def test_another_municipality_can_neither_write_nor_read_the_link(exchange, prefix):
    topic = link_topic(K820, POLICE, prefix)
    with pytest.raises(TopicAuthorizationFailedError):
        await bounded(write(exchange, K851, topic))
    with pytest.raises(TopicAuthorizationFailedError):  # in its own group: the group is allowed, the topic not
        await bounded(read(exchange, K851, topic, group_id=group(K851, prefix)))
    # The control: its own link to the police is writable by it.
    await bounded(write(exchange, K851, link_topic(K851, POLICE, prefix)))


@pytest.mark.parametrize("link", [(K820, POLICE), (POLICE, K820), (K851, POLICE), (POLICE, K851)],
                         ids=lambda link: f"{link[0]}->{link[1]}")
async def test_the_network_reads_nothing_of_the_case_links(exchange, prefix, link):
    with pytest.raises(TopicAuthorizationFailedError):
        await bounded(read(exchange, NETWORK, link_topic(*link, prefix), group_id=group(NETWORK, prefix)))


async def test_the_network_reads_its_own_link(exchange, prefix):
    """The control for the denials above: the network's principal and group work, on its link."""
    topic = link_topic(K820, NETWORK, prefix)
    marker = uuid4().hex.encode()
    await bounded(write(exchange, K820, topic, marker))
    records = await bounded(read(exchange, NETWORK, topic, group_id=group(NETWORK, prefix, "network")))
    assert [r.value for r in records] == [marker]


# -- the plan on the broker --------------------------------------------------------------------------


def test_the_broker_holds_exactly_the_planned_grants(exchange, prefix, district):
    admin = admin_client(acls.ExchangeAdminSettings().client_config() | {"bootstrap.servers": exchange})
    on_broker = {g for g in acls.existing_grants(admin) if g.name.startswith(prefix)}
    planned = set(acls.exchange_plan(district, prefix))
    assert on_broker == planned
    recipients = {r for _, r in district.links()}
    # Per link: sender WRITE+DESCRIBE and recipient READ+DESCRIBE on the topic; per recipient: READ on its groups.
    assert len(district.links()) == 6 and len(planned) == 4 * 6 + len(recipients) == 28
    assert {g.name for g in planned if g.resource_type == "GROUP"} == {f"{prefix}{r}." for r in recipients}
    assert {g.pattern for g in planned if g.resource_type == "GROUP"} == {"PREFIXED"}
    assert not {g for g in planned if g.operation not in ("READ", "WRITE", "DESCRIBE") or "*" in g.name}
    writers = {g.name: g.principal for g in planned if g.operation == "WRITE"}
    assert writers == {link_topic(s, r, prefix): f"User:{s}" for s, r in district.links()}


def test_the_link_topics_have_three_partitions_and_thirty_days(exchange, prefix, district):
    admin = admin_client(acls.ExchangeAdminSettings().client_config() | {"bootstrap.servers": exchange})
    topics = admin.list_topics(timeout=10).topics
    names = acls.exchange_topics(district, prefix)
    assert {name: len(topics[name].partitions) for name in names if name in topics} == {name: 3 for name in names}
    configs = admin.describe_configs([ConfigResource("topic", names[0])])
    entries = next(iter(configs.values())).result(timeout=10)
    assert entries["retention.ms"].value == str(30 * 24 * 3600 * 1000)


def test_applying_again_changes_nothing(exchange, prefix, district):
    config = acls.ExchangeAdminSettings().client_config() | {"bootstrap.servers": exchange}
    summary = acls.exchange_apply(config, district, prefix, out=io.StringIO())
    assert summary["topics_created"] == summary["acls_created"] == summary["acls_deleted"] == 0
    assert summary["acls_unchanged"] == len(acls.exchange_plan(district, prefix))


# -- the clusters stay apart -------------------------------------------------------------------------


def credentials(name: str) -> dict[str, str]:
    return json.loads(Path(os.environ[name]).read_text("utf-8"))


async def test_an_organisation_cannot_authenticate_on_the_internal_cluster(exchange, prefix, infra_env, caplog):
    assert K820 not in credentials("KAFKA_CREDENTIALS_FILE")
    # Its exchange credentials, which work on the exchange (the first test) ...
    auth = exchange_auth(K820)
    caplog.set_level(logging.ERROR, logger="aiokafka")
    with pytest.raises(KafkaConnectionError):  # ... are refused by the instance's own cluster at sign-in
        await bounded(write(infra_env["KAFKA_BOOTSTRAP_SERVERS"], K820, "infohus.x.any.v1", **auth))
    assert "SaslAuthenticationFailed" in caplog.text


async def test_a_service_cannot_authenticate_on_the_exchange(exchange, infra_env, caplog):
    assert "intake" not in credentials("EXCHANGE_CREDENTIALS_FILE")
    auth = kafka_auth("intake")  # intake's credentials, which work on its own cluster
    caplog.set_level(logging.ERROR, logger="aiokafka")
    with pytest.raises(KafkaConnectionError):
        await bounded(write(exchange, "intake", "infohus.x.any.v1", **auth))
    assert "SaslAuthenticationFailed" in caplog.text


async def test_the_two_clusters_are_different_clusters(exchange, infra_env):
    ids = []
    for bootstrap, auth in ((exchange, exchange_auth()), (infra_env["KAFKA_BOOTSTRAP_SERVERS"], kafka_auth())):
        admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap, **auth)
        await admin.start()
        try:
            ids.append((await admin.describe_cluster())["cluster_id"])
        finally:
            await admin.close()
    assert all(ids) and ids[0] != ids[1]
