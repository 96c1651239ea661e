"""A district of instances over the real brokers, OPA servers and databases: two municipalities, the police district
and the district network, each its own instance with its own OPA, databases, keys and exchange principal.

What crosses goes only over the exchange cluster, decided by OPA at both ends, signed by the sender; nothing in
this file copies a message from one instance to another."""

import asyncio
import json
import os
import time
from collections.abc import Iterator
from datetime import date, datetime, timedelta
from typing import Any
from uuid import uuid4

import asyncpg
import httpx
import pytest
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer
from aiokafka.errors import KafkaError
from district import DistrictStack

import samples
from infohus_platform.devidp import issue_token, org_issuer
from infohus_platform.exchange.signing import Signer
from support import eventually, exchange_auth, json_if_ok, produce, read_topic

K820, K851, POLICE, NETWORK = "kommune-820", "kommune-851", "politi-nordjylland", "netvaerk-nordjylland"


@pytest.fixture(scope="module")
def district(infra_env: dict[str, str], run_id: str, tmp_path_factory: pytest.TempPathFactory,
             notify_setup: Any) -> Iterator[DistrictStack]:
    base = int(os.environ.get("INFOHUS_TEST_PORT_BASE", "18000")) + 300
    database_url = infra_env["DATABASE_URL"].rsplit("/", 1)[0] + f"/{run_id}_d"
    env = dict(os.environ) | infra_env | notify_setup.env | {"NOTIFY_DISPATCH_POLL_SECONDS": "0.5"}
    stack = DistrictStack(env, tmp_path_factory.mktemp("district"), port_base=base, prefix=f"{run_id}d.",
                          database_url=database_url, without=("web",))
    stack.provision_topics()
    stack.start(timeout=240)
    yield stack
    stack.stop()
    stack.revoke_topics()


def token(district: DistrictStack, org: str, user: str | dict[str, Any], **claims: Any) -> dict[str, str]:
    """A member of ``org`` signed in with ``org``'s own identity provider."""
    code = {"municipality_code": org.removeprefix("kommune-")} if org.startswith("kommune-") else {}
    signed = issue_token(user, district.root / org / "idp", issuer=org_issuer(org), org=org, **code | claims)
    return {"Authorization": f"Bearer {signed}"}


def api(district: DistrictStack, org: str, service: str) -> httpx.Client:
    return httpx.Client(base_url=district[org].url(service), timeout=15)


def query(district: DistrictStack, org: str, service: str, sql: str, *args: Any) -> list[asyncpg.Record]:
    dsn = district[org].env["DATABASE_URL"].replace("postgresql+asyncpg://", "postgresql://") + f"_{service}"

    async def run() -> list[asyncpg.Record]:
        connection = await asyncpg.connect(dsn)
        try:
            return await connection.fetch(sql, *args)
        finally:
            await connection.close()

    return asyncio.run(run())


def submit(district: DistrictStack, org: str, body: dict[str, Any]) -> httpx.Response:
    with api(district, org, "intake") as intake:
        return intake.post("/api/v1/concerns", json=body, headers=token(district, org, "ssp_coordinator"))


def registered(district: DistrictStack, org: str, concern_id: str) -> Any:
    """The registration of ``concern_id`` in ``org``'s registry, once it is there."""
    officer = token(district, org, "registration_coordinator")

    def found() -> Any:
        with api(district, org, "registry") as registry:
            return json_if_ok(registry.get(f"/api/v1/registrations/{concern_id}", headers=officer))

    return eventually(found, timeout=120)


def receipts(district: DistrictStack, org: str, service: str, sender: str) -> list[asyncpg.Record]:
    return query(district, org, service, "SELECT * FROM exchange_receipt WHERE sender_org = $1", sender)


def police(district: DistrictStack, user: str | dict[str, Any] = "police_coordinator") -> dict[str, str]:
    """A police coordinator of the police district, signed in with the police district's own identity provider."""
    return token(district, POLICE, user, police_district="nordjylland", municipality_code=None)


SECOND_OFFICER = {"sub": "u-pol-nj-2", "name": "Pernille Politi", "roles": ["police_coordinator"]}


def call(district: DistrictStack, org: str, method: str, path: str, headers: dict[str, str],
         body: dict[str, Any] | None = None, expect: int = 200) -> Any:
    with api(district, org, "assessment") as assessment:
        response = assessment.request(method, path, json=body, headers=headers)
    assert response.status_code == expect, response.text
    return response.json()


def open_case(district: DistrictStack, org: str, **concern: Any) -> dict[str, Any]:
    code = org.removeprefix("kommune-")
    response = submit(district, org, samples.concern(municipality_code=code, **concern))
    assert response.status_code == 202, response.text
    concern_id = response.json()["concern_id"]
    ssp = token(district, org, "ssp_coordinator")

    def opened() -> Any:
        with api(district, org, "assessment") as assessment:
            return json_if_ok(assessment.get(f"/api/v1/cases/by-concern/{concern_id}", headers=ssp))

    case = eventually(opened, timeout=120)
    call(district, org, "POST", f"/api/v1/cases/{case['case_id']}/initial-assessment", ssp,
         {"approach": "joint_with_police_coordinator", "outcome": "upheld"})
    return case


def test_an_enrichment_request_crosses_to_the_police_and_its_answer_comes_back(district: DistrictStack) -> None:
    case = open_case(district, K820, age=15)
    ssp = token(district, K820, "ssp_coordinator")
    request = call(district, K820, "POST", f"/api/v1/cases/{case['case_id']}/enrichment-requests", ssp, {
        "authority": "local_police", "deadline": (date.today() + timedelta(days=10)).isoformat(),
        "necessity_reason": "Vi skal vide, om politiet kender til personen, for at vurdere bekymringen.",
        "data_classes": ["identity", "process"], "question": "Kender lokalpolitiet personen fra tidligere?"},
        expect=201)
    assert request["share_decision_id"] and request["recipient_org"] == POLICE

    # At the police district, a caseworker of the local police for the municipality answers.
    caseworker = token(district, POLICE, "authority_caseworker", authority="local_police", municipality_code="820",
                       police_district="nordjylland")

    def arrived() -> Any:
        listed = call(district, POLICE, "GET", "/api/v1/enrichment-requests", caseworker)
        return next((r for r in listed if r.get("origin_org") == K820 and r["status"] != "answered"
                     and r.get("question") == "Kender lokalpolitiet personen fra tidligere?"), None)

    incoming = eventually(arrived, timeout=120)
    assert incoming["person"]["name"]  # identity was agreed and allowed: the police know whom it is about
    call(district, POLICE, "POST", f"/api/v1/enrichment-requests/{incoming['request_id']}/answer", caseworker,
         {"answer": "Personen er kendt for en mindre sag om hærværk i 2025."})

    def answered() -> Any:
        detail = call(district, K820, "GET", f"/api/v1/cases/{case['case_id']}", ssp)
        found = next(r for r in detail["enrichment_requests"] if r["request_id"] == request["request_id"])
        return found if found["answer"] else None

    found = eventually(answered, timeout=120)
    assert "hærværk" in found["answer"]
    assert found["sent"]["share_decision_id"] and found["answer_receipt"]["accept_decision_id"]
    assert found["answer_receipt"]["share_decision_id"]  # the police's own decision to answer
    accepted = [r for r in receipts(district, POLICE, "assessment", K820)
                if r["message_type"] == "dk.infohus.x.enrichment_requested.v1"]
    assert accepted and all(r["sender_decision_id"] and r["decision_id"] for r in accepted)


def test_the_lead_passes_to_the_police_district_at_18(district: DistrictStack) -> None:
    birth = date.today() - timedelta(days=int(18 * 365.25) - 10)
    person = samples.concern()["person"] | {"cpr": samples.cpr_for(datetime.combine(birth, datetime.min.time()), 7),
                                            "birth_date": birth.isoformat()}
    case = open_case(district, K820, person=person)
    as_of = (date.today() + timedelta(days=12)).isoformat()
    with api(district, K820, "assessment") as assessment:
        ran = assessment.post("/api/v1/schedules/run", params={"as_of": as_of},
                              headers=token(district, K820, "admin")).json()
    assert ran["handed_over"] >= 1
    detail = call(district, K820, "GET", f"/api/v1/cases/{case['case_id']}", token(district, K820, "ssp_coordinator"))
    assert detail["lead"] == "local_police" and detail["lead_org"] == POLICE  # the municipality keeps its case

    def taken_over() -> Any:
        with api(district, POLICE, "assessment") as assessment:
            return json_if_ok(assessment.get(f"/api/v1/cases/by-concern/{case['concern_id']}",
                                             headers=police(district)))

    held = eventually(taken_over, timeout=120)
    assert held["lead"] == "local_police" and held["origin"] == "handed_over" and held["origin_org"] == K820


def test_a_pet_report_is_filed_at_the_police_with_a_second_sign_off(district: DistrictStack) -> None:
    case = open_case(district, K820, age=19)
    ssp = token(district, K820, "ssp_coordinator")
    call(district, K820, "POST", f"/api/v1/cases/{case['case_id']}/assessments", ssp, {
        "dimensions": [{"dimension": "convictions_rhetoric", "tag": "risk", "note": "Deler voldsforherligende."}],
        "concern_level": "akut", "security_aspect": "Har talt om at skaffe våben.",
        "social_aspect": "Isoleret, søger fællesskab online."}, expect=201)
    decision = call(district, K820, "POST", f"/api/v1/cases/{case['case_id']}/decision", ssp,
                    {"effort_level": "intervening", "measures": ["concern_conversation"], "report_to_pet": True},
                    expect=201)
    # The police coordinator who sits in the municipality's infohus signs off there, signed in with the police's
    # own identity provider.
    call(district, K820, "POST", f"/api/v1/cases/{case['case_id']}/decisions/{decision['decision_id']}/pet-signoff",
         police(district))

    def reported() -> Any:
        listed = call(district, POLICE, "GET", "/api/v1/pet-reports", police(district))
        return next((r for r in listed if r["origin_case_id"] == case["case_id"]), None)

    report = eventually(reported, timeout=120)
    assert report["status"] == "awaiting_filing" and report["receipt"]["accept_decision_id"]
    call(district, POLICE, "POST", f"/api/v1/pet-reports/{report['report_id']}/file", police(district))
    with api(district, POLICE, "assessment") as assessment:
        same = assessment.post(f"/api/v1/pet-reports/{report['report_id']}/sign-off", headers=police(district))
    assert same.status_code == 403  # the one who filed it cannot also sign it off
    filed = call(district, POLICE, "POST", f"/api/v1/pet-reports/{report['report_id']}/sign-off",
                 police(district, SECOND_OFFICER))
    assert filed["status"] == "filed" and filed["signed_off_by"] == "u-pol-nj-2"

    def seen_filed() -> Any:
        detail = call(district, K820, "GET", f"/api/v1/cases/{case['case_id']}", ssp)
        return next((d for d in detail["decisions"] if d["pet_status"] == "filed"), None)

    assert eventually(seen_filed, timeout=120)


def test_known_elsewhere_gives_a_hit_and_a_no_hit_and_tells_both(district: DistrictStack) -> None:
    person = samples.concern()["person"]
    known = open_case(district, K820, person=person)
    asking = open_case(district, K851, person=person | {"name": "Samme Person"})
    alone = open_case(district, K851)
    ssp851 = token(district, K851, "ssp_coordinator")

    with api(district, K851, "assessment") as assessment:  # a coordinator's question, not leadership's
        refused = assessment.post(f"/api/v1/cases/{asking['case_id']}/known-elsewhere",
                                  headers=token(district, K851, "leadership"))
    assert refused.status_code == 403

    def lookup(case: dict[str, Any]) -> dict[str, Any]:
        asked = call(district, K851, "POST", f"/api/v1/cases/{case['case_id']}/known-elsewhere", ssp851, expect=202)

        def answered() -> Any:
            found = call(district, K851, "GET", f"/api/v1/known-elsewhere/{asked['lookup_id']}", ssp851)
            return found if found["status"] != "pending" else None

        return eventually(answered, timeout=120)

    # The index learns of a case when its concern is registered: wait until the police district holds both.
    eventually(lambda: len([r for r in receipts(district, POLICE, "assessment", K820)
                            if r["message_type"] == "dk.infohus.x.index_entry_added.v1"]) > 0, timeout=120)
    hit = eventually(lambda: (found := lookup(asking)) and found["status"] == "hit" and found, timeout=180)
    assert hit["contact_orgs"] == [K820]  # whom to contact, never what they know
    no_hit = lookup(alone)
    assert no_hit["status"] == "no_hit" and no_hit["contact_orgs"] == []

    def told() -> Any:
        ssp820 = token(district, K820, "ssp_coordinator")
        detail = call(district, K820, "GET", f"/api/v1/cases/{known['case_id']}", ssp820)
        return detail["known_elsewhere_notices"] or None

    notices = eventually(told, timeout=120)
    assert {n["asked_by_org"] for n in notices} == {K851}
    assert all(set(n) == {"notice_id", "asked_by_org", "asked_at"} for n in notices)  # no content


def test_aggregate_reports_reach_the_network_with_decisions_at_both_ends(district: DistrictStack) -> None:
    for _ in range(5):
        assert submit(district, K820, samples.concern(municipality_code="820")).status_code == 202
    found = eventually(lambda: receipts(district, NETWORK, "network", K820), timeout=120)
    assert all(r["sender_decision_id"] and r["decision_id"] for r in found)  # the sender's and the receiver's
    sent = query(district, K820, "registry", "SELECT * FROM outbox_message WHERE topic = $1 AND status = 'published'",
                 f"infohus.x.{K820}.{NETWORK}.v1")
    assert sent and all(row["decision_id"] and row["body"] == "" for row in sent)  # the record, not a copy
    member = token(district, NETWORK, "network_member")

    def counted() -> Any:
        with api(district, NETWORK, "network") as network:
            cells = json_if_ok(network.get("/api/v1/aggregates", headers=member))
        return [c for c in cells or [] if c.get("municipality_code") == "820"] or None

    assert eventually(counted, timeout=60)


def test_a_concern_for_another_municipality_is_forwarded_there(district: DistrictStack) -> None:
    body = samples.concern(municipality_code="851")
    response = submit(district, K820, body)
    assert response.status_code == 202, response.text
    concern_id = response.json()["concern_id"]
    assert registered(district, K851, concern_id)
    # The sender keeps only the forwarding record: no case, no registration, no body in its outbox.
    assert not query(district, K820, "assessment", "SELECT 1 FROM case_file WHERE concern_id = $1",
                     concern_id)
    assert not query(district, K820, "intake", "SELECT 1 FROM outbox_message WHERE body LIKE $1",
                     f"%{body['person']['name']}%")
    assert receipts(district, K851, "assessment", K820)


def test_forged_unsigned_and_unagreed_messages_are_refused_without_their_body(district: DistrictStack) -> None:
    marker = f"PII{uuid4().hex[:10].upper()}"
    topic = f"{district.prefix}infohus.x.{K820}.{NETWORK}.v1"
    body = json.dumps({"report_id": str(uuid4()), "municipality_code": "820", "period": "2026-11",
                       "metric": "concerns_received", "dimension_value": None, "count": 5, "suppressed": False,
                       "k": 5, "computed_at": "2026-12-01T00:00:00+00:00", "note": marker}).encode()

    def headers(message_type: str, signer_org: str | None) -> dict[str, str]:
        found = {"ce_id": str(uuid4()), "ce_source": f"/infohus/{K820}/registry", "ce_type": message_type,
                 "ce_specversion": "1.0", "ce_time": "2026-12-01T00:00:00+00:00", "content-type": "application/json",
                 "ce_infohussender": K820, "ce_infohusrecipient": NETWORK, "ce_infohusdecisionid": "forged",
                 "ce_infohuspolicyversion": "x"}
        if signer_org:
            key = Signer.from_file(district.root / signer_org / "signing-key.json")
            found["ce_infohussignature"] = key.sign(found, body)
        return found

    sent = {"unsigned": headers("dk.infohus.x.aggregate_report.v1", None),
            "signature": headers("dk.infohus.x.aggregate_report.v1", K851),  # 851's key posing as 820
            "unagreed": headers("dk.infohus.x.concern_forwarded.v1", K820)}  # signed, but not agreed to the network
    for message in sent.values():
        asyncio.run(produce(os.environ["EXCHANGE_BOOTSTRAP_SERVERS"], topic, body, message,
                            auth=exchange_auth("admin")))
    refused_topic = f"{district.internal_prefix(NETWORK)}infohus.exchange.refused.v1"
    records = asyncio.run(read_topic(os.environ["KAFKA_BOOTSTRAP_SERVERS"], refused_topic, expect=3, timeout=60))
    ours = {json.loads(r.value)["event_id"]: json.loads(r.value) for r in records}
    for code, message in sent.items():
        assert ours[message["ce_id"]]["reason_code"] == code
    assert all(marker.encode() not in (r.value or b"") for r in records)
    assert not query(district, NETWORK, "network", "SELECT 1 FROM exchange_receipt WHERE sender_decision_id = 'forged'")
    with api(district, NETWORK, "network") as network:
        metrics = network.get("/metrics").text
    assert 'infohus_exchange_refused_total{reason="unsigned",sender="kommune-820"}' in metrics


def test_one_organisations_principal_cannot_read_or_write_anothers_link(district: DistrictStack) -> None:
    topic = f"{district.prefix}infohus.x.{K820}.{POLICE}.v1"

    async def write_as(principal: str) -> None:
        producer = AIOKafkaProducer(bootstrap_servers=os.environ["EXCHANGE_BOOTSTRAP_SERVERS"],
                                    request_timeout_ms=5000, **exchange_auth(principal))
        await producer.start()
        try:
            await producer.send_and_wait(topic, b"{}")
        finally:
            await producer.stop()

    async def read_as(principal: str) -> None:
        consumer = AIOKafkaConsumer(topic, bootstrap_servers=os.environ["EXCHANGE_BOOTSTRAP_SERVERS"],
                                    group_id=f"{district.prefix}{principal}.probe", auto_offset_reset="earliest",
                                    **exchange_auth(principal))
        try:
            await consumer.start()
            await consumer.getone()
        finally:
            await consumer.stop()

    with pytest.raises(KafkaError):
        asyncio.run(asyncio.wait_for(write_as(K851), 20))
    with pytest.raises((KafkaError, TimeoutError)):
        asyncio.run(asyncio.wait_for(read_as(K851), 20))


def test_the_receivers_opa_down_means_nothing_is_accepted_and_nothing_lost(district: DistrictStack) -> None:
    before = len(receipts(district, NETWORK, "network", K851))
    opa = district[NETWORK].opa
    opa.stop()
    try:
        for _ in range(5):
            assert submit(district, K851, samples.concern(municipality_code="851")).status_code == 202
        # The registry of 851 has staged and sent its aggregates; the network may not accept them yet.
        eventually(lambda: query(district, K851, "registry", "SELECT 1 FROM outbox_message WHERE topic = $1 AND "
                                 "status = 'published'", f"infohus.x.{K851}.{NETWORK}.v1"), timeout=120)
        time.sleep(5)
        assert len(receipts(district, NETWORK, "network", K851)) == before
    finally:
        opa.start()
        opa.wait_ready()
    eventually(lambda: len(receipts(district, NETWORK, "network", K851)) > before, timeout=120)


NETWORK_TABLES_SQL = "SELECT tablename FROM pg_tables WHERE schemaname = 'public'"
EXAMPLES = int(os.environ.get("INFOHUS_DISTRICT_PROPERTY_EXAMPLES", "3"))


def network_instance_everything(district: DistrictStack) -> str:
    """All the network instance holds and shows: every table of its two services, its API answers and its logs."""
    dump = []
    for service in ("network", "notify"):
        for table in query(district, NETWORK, service, NETWORK_TABLES_SQL):
            rows = query(district, NETWORK, service, f'SELECT * FROM "{table["tablename"]}"')
            dump.append(json.dumps([dict(r) for r in rows], default=str, ensure_ascii=False))
        dump.append(district[NETWORK].services[service].log_path.read_text(errors="replace"))
    with api(district, NETWORK, "network") as network:
        dump.append(network.get("/api/v1/aggregates", headers=token(district, NETWORK, "network_member")).text)
    return "\n".join(dump)


def delivered(district: DistrictStack, org: str) -> bool:
    """Every aggregate ``org``'s registry has to send the network was sent and accepted there."""
    rows = query(district, org, "registry", "SELECT status FROM outbox_message WHERE topic = $1",
                 f"infohus.x.{org}.{NETWORK}.v1")
    published = sum(row["status"] == "published" for row in rows)
    pending = sum(row["status"] == "pending" for row in rows)
    return pending == 0 and published == len(receipts(district, NETWORK, "network", org))


def test_personal_data_in_every_field_never_reaches_the_network_instance(district: DistrictStack) -> None:
    """Concerns through two municipalities (one forwarded between them), each field holding a marker: after
    their aggregates reached the network, none of the markers is anywhere in the network instance."""
    from datetime import UTC

    from hypothesis import HealthCheck, Phase, given, settings
    from hypothesis import strategies as st

    mark = st.text(alphabet="ABCDEFGHIJKLMNOPQRSTUVWXYZ", min_size=10, max_size=10).map(lambda s: f"PII{s}")
    born = st.dates(min_value=date(1950, 1, 1), max_value=date.today() - timedelta(days=365 * 12))

    @settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=list(HealthCheck),
              phases=[Phase.explicit, Phase.reuse, Phase.generate], database=None)
    @given(marks=st.lists(mark, min_size=12, max_size=12, unique=True), birth=born, serial=st.integers(0, 999),
           forwarded=st.booleans())
    def example(marks: list[str], birth: date, serial: int, forwarded: bool) -> None:
        cpr = samples.cpr_for(datetime.combine(birth, datetime.min.time(), tzinfo=UTC), serial)
        home = "851" if forwarded else "820"
        body = samples.concern(municipality_code=home) | {
            "person": {"name": f"{marks[0]} {marks[1]}", "cpr": cpr, "birth_date": birth.isoformat(),
                       "area": marks[2], "nationality": marks[3], "family_network": marks[4],
                       "school_work": marks[5]},
            "description": f"Bekymring: {marks[6]}",
            "reporter": {"name": marks[7], "organisation": marks[8], "role": marks[9],
                         "phone": "+45 " + marks[10][-8:], "email": f"{marks[11].lower()}@example.dk"},
        }
        response = submit(district, K820, body)
        assert response.status_code == 202, response.text
        concern_id = response.json()["concern_id"]
        registered(district, f"kommune-{home}", concern_id)
        time.sleep(2)  # the registry stages the month's aggregates within AGGREGATE_INTERVAL_SECONDS
        eventually(lambda: delivered(district, f"kommune-{home}"), timeout=120)
        everything = network_instance_everything(district)
        for secret in [*marks, cpr, concern_id]:
            assert secret not in everything

    example()
