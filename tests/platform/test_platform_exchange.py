"""The exchange between organisations, below the services: signatures, the trust list, the receiver's checks and
the relay's signed send. The whole path over the real exchange cluster is tests/integration/test_district.py."""

import json
from pathlib import Path
from types import SimpleNamespace
from typing import Any, ClassVar
from uuid import uuid4

import pytest
from aiokafka import ConsumerRecord

from fakes import FakePolicy, service_runtime, staged
from infohus_contracts.base.aggregates import AggregateMetric, AggregateReport
from infohus_contracts.base.district import District, link_of, link_topic
from infohus_contracts.base.exchange import AGGREGATE_REPORT_SHARED, SIGNATURE_HEADER
from infohus_platform.exchange.inbound import ExchangeInbound, Refused
from infohus_platform.exchange.outbound import stage_exchange
from infohus_platform.exchange.signing import SignatureRefused, Signer, generate_key, verify
from infohus_platform.messaging.outbox import Share, utcnow
from infohus_platform.messaging.relay import OutboxRelay
from infohus_platform.observability import Metrics
from infohus_platform.settings import ServiceSettings


class RegistrySettings(ServiceSettings):
    service_name: ClassVar[str] = "registry"
    default_port: ClassVar[int] = 0


@pytest.fixture(scope="module")
def district(district_dir: Path) -> District:
    return District.model_validate_json((district_dir / "district.json").read_text("utf-8"))


def report(code: str = "820") -> AggregateReport:
    return AggregateReport(report_id=uuid4(), municipality_code=code, period="2026-11",
                           metric=AggregateMetric.CONCERNS_RECEIVED, count=7, suppressed=False, k=5,
                           computed_at=utcnow())


def signed(district_dir: Path, org: str, recipient: str, body: bytes, **changes: str) -> dict[str, str]:
    headers = {"ce_id": str(uuid4()), "ce_source": f"/infohus/{org}/registry", "ce_type": AGGREGATE_REPORT_SHARED.type,
               "ce_specversion": "1.0", "ce_time": utcnow().isoformat(), "content-type": "application/json",
               "ce_infohussender": org, "ce_infohusrecipient": recipient, "ce_infohusdecisionid": "d-1",
               "ce_infohuspolicyversion": "v"} | changes
    headers[SIGNATURE_HEADER] = Signer.from_file(district_dir / org / "signing-key.json").sign(headers, body)
    return headers


def test_the_district_has_a_link_for_every_agreed_pair_and_none_to_oneself(district: District) -> None:
    links = district.links()
    assert ("kommune-820", "politi-nordjylland") in links
    assert ("kommune-820", "kommune-851") in links
    assert ("netvaerk-nordjylland", "kommune-820") not in links  # the network sends no organisation anything
    assert all(sender != recipient for sender, recipient in links)
    assert district.agreement(AGGREGATE_REPORT_SHARED.type, "kommune-820", "politi-nordjylland") is None
    assert district.agreement(AGGREGATE_REPORT_SHARED.type, "kommune-820", "netvaerk-nordjylland") is not None
    assert link_of(link_topic("kommune-820", "politi-nordjylland", "p."), "p.") == ("kommune-820", "politi-nordjylland")


def test_a_signature_covers_the_body_the_headers_and_the_senders_key(district_dir: Path, district: District) -> None:
    body = report().model_dump_json().encode()
    headers = signed(district_dir, "kommune-820", "netvaerk-nordjylland", body)
    verify(district, "kommune-820", headers, body)
    with pytest.raises(SignatureRefused) as changed_body:
        verify(district, "kommune-820", headers, body.replace(b'"count":7', b'"count":9'))
    assert changed_body.value.code == "signature"
    with pytest.raises(SignatureRefused):  # a header changed in transit: here the sender's decision id
        verify(district, "kommune-820", headers | {"ce_infohusdecisionid": "d-2"}, body)
    with pytest.raises(SignatureRefused):  # signed by 851's key, claimed as 820's
        verify(district, "kommune-820", signed(district_dir, "kommune-851", "netvaerk-nordjylland", body), body)
    unsigned = {k: v for k, v in headers.items() if k != SIGNATURE_HEADER}
    with pytest.raises(SignatureRefused) as missing:
        verify(district, "kommune-820", unsigned, body)
    assert missing.value.code == "unsigned"


def test_a_key_outside_the_trust_list_is_refused(district_dir: Path, district: District, tmp_path: Path) -> None:
    private, _ = generate_key("kommune-820-1")  # the right kid, a forger's key
    (tmp_path / "forged.json").write_text(json.dumps(private))
    body = b"{}"
    headers = {"ce_id": "1", "ce_infohussender": "kommune-820"}
    headers[SIGNATURE_HEADER] = Signer.from_file(tmp_path / "forged.json").sign(headers, body)
    with pytest.raises(SignatureRefused):
        verify(district, "kommune-820", headers, body)


def inbound(district: District, org: str, handlers: dict[str, Any]) -> ExchangeInbound:
    exchange = SimpleNamespace(district=district, org=org, handlers=handlers)
    runtime = SimpleNamespace(settings=SimpleNamespace(exchange_topic_prefix="p."))
    return ExchangeInbound(runtime, exchange)  # type: ignore[arg-type]


def record(topic: str, body: bytes, headers: dict[str, str]) -> ConsumerRecord:
    return ConsumerRecord(topic, 0, 1, 0, 0, None, body, None, len(body), -1,
                          [(k, v.encode()) for k, v in headers.items()])


@pytest.mark.parametrize(("case", "code"), [
    ("accepted", None), ("wrong_link", "link"), ("header_sender", "sender"), ("unsigned", "unsigned"),
    ("forged", "signature"), ("unagreed", "unagreed"), ("not_handled", "type"), ("bad_body", "schema"),
])
def test_the_receiver_refuses_what_its_sender_did_not_sign_or_agree(district_dir: Path, district: District,
                                                                     case: str, code: str | None) -> None:
    sender, recipient = "kommune-820", "netvaerk-nordjylland"
    body = report().model_dump_json().encode()
    headers = signed(district_dir, sender, recipient, body)
    topic = link_topic(sender, recipient, "p.")
    handlers: dict[str, Any] = {AGGREGATE_REPORT_SHARED.type: (AGGREGATE_REPORT_SHARED, None)}
    org = recipient
    if case == "wrong_link":
        org = "politi-nordjylland"
    elif case == "header_sender":
        headers = signed(district_dir, sender, recipient, body, ce_infohussender="kommune-851")
    elif case == "unsigned":
        headers.pop(SIGNATURE_HEADER)
    elif case == "forged":
        headers = signed(district_dir, "kommune-851", recipient, body, ce_infohussender=sender)
    elif case == "unagreed":
        headers = signed(district_dir, sender, recipient, body, ce_type="dk.infohus.x.concern_forwarded.v1")
    elif case == "not_handled":
        handlers = {}
    elif case == "bad_body":
        body = json.dumps(json.loads(body) | {"person_name": "Åse"}).encode()
        headers = signed(district_dir, sender, recipient, body)
    checker = inbound(district, org, handlers)
    subject = record(topic, body, headers)
    if code is None:
        message, _, parsed = checker.check(subject, headers, link_of(topic, "p."))
        assert message is AGGREGATE_REPORT_SHARED and parsed.count == 7
        return
    with pytest.raises(Refused) as refused:
        checker.check(subject, headers, link_of(topic, "p."))
    assert refused.value.code == code
    assert "Åse" not in refused.value.reason


class ExchangeSpy:
    """The exchange link's send side, keeping what it would have published."""

    def __init__(self, district_dir: Path, org: str) -> None:
        self.signer = Signer.from_file(district_dir / org / "signing-key.json")
        self.ready = SimpleNamespace(is_set=lambda: True)
        self.sent: list[tuple[str, bytes, dict[str, str]]] = []

    def outgoing_headers(self, headers: dict[str, str], body: bytes, decision_id: str | None,
                         policy_version: str | None) -> dict[str, str]:
        from infohus_platform.exchange.link import Exchange

        return Exchange.outgoing_headers(self, headers, body, decision_id, policy_version)  # type: ignore[arg-type]

    async def publish(self, topic: str, key: str, body: bytes, headers: dict[str, str]) -> None:
        self.sent.append((topic, body, headers))


async def test_the_relay_asks_about_the_named_organisation_signs_and_keeps_no_body(district_dir: Path,
                                                                                   district: District,
                                                                                   tmp_path: Path) -> None:
    settings = RegistrySettings(infohus_data_dir=tmp_path, infohus_district_file=district_dir / "district.json",
                                exchange_bootstrap_servers="127.0.0.1:1")
    policy = FakePolicy()
    async for runtime in service_runtime(settings, [], policy=policy):
        async with runtime.db.session() as session:
            body = report()
            stage_exchange(session, settings, recipient_org="netvaerk-nordjylland", message=AGGREGATE_REPORT_SHARED,
                           body=body, key=body.cell_key, share=Share.of(body, "network", "statistics"),
                           subject="local-concern")
            await session.commit()
        spy = ExchangeSpy(district_dir, "kommune-820")
        relay = OutboxRelay(settings, runtime.db, {}, policy, Metrics(), runtime.broker_ready, spy)  # type: ignore[arg-type]
        assert await relay.relay_batch() == 1
        (question,) = policy.questions("share")
        assert question["action"] == "exchange"
        assert question["recipient"] == {"kind": "network", "org": "netvaerk-nordjylland"}
        assert question["message_type"] == AGGREGATE_REPORT_SHARED.type
        ((topic, sent_body, headers),) = spy.sent
        assert topic == "infohus.x.kommune-820.netvaerk-nordjylland.v1"
        assert "ce_subject" not in headers and "ce_correlationid" not in headers  # they stay home
        assert headers["ce_infohusdecisionid"] == "share-1"
        verify(district, "kommune-820", headers, sent_body)
        (row,) = await staged(runtime)
        assert row.status == "published" and row.body == "" and row.decision_id == "share-1"
        assert row.headers["body_sha256"]


def test_a_stand_alone_instance_cannot_stage_for_another_organisation(tmp_path: Path) -> None:
    from infohus_platform.errors import RuleViolation

    settings = RegistrySettings(infohus_data_dir=tmp_path)
    body = report()
    with pytest.raises(RuleViolation):
        stage_exchange(SimpleNamespace(add=lambda row: None), settings,  # type: ignore[arg-type]
                       recipient_org="netvaerk-nordjylland", message=AGGREGATE_REPORT_SHARED, body=body,
                       key=body.cell_key, share=Share.of(body, "network", "statistics"))
