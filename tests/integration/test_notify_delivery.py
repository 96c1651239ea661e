"""Notify over the real broker, OPA and PostgreSQL, with a real SMTP server and a real partner endpoint.

Requests are published onto ``<run>.infohus.notify.requests.v1`` with CloudEvents headers, exactly as
the registry's and assessment's outbox relays publish them.
"""

import asyncio
import json
from datetime import UTC, datetime, timedelta
from uuid import uuid4

import httpx
import pytest

from infohus_contracts.base.aggregates import AggregateReport
from infohus_contracts.case.notifications import NotificationRequested, seal_addressing
from support import bearer, body_of, eventually, headers_of, produce, query, read_topic

REQUESTED = "dk.infohus.notify.requested.v1"
AGGREGATE = "dk.infohus.network.aggregate.v1"
DPO = "compliance_officer"


def ce_headers(event_type: str, event_id: str | None = None) -> dict[str, str]:
    return {"ce_id": event_id or str(uuid4()), "ce_source": "/infohus/kommune-820/test", "ce_type": event_type,
            "ce_specversion": "1.0", "ce_time": datetime.now(UTC).isoformat(), "content-type": "application/json"}


def publish(stack, infra_env, topic: str, body, event_type: str, event_id: str | None = None) -> str:
    headers = ce_headers(event_type, event_id)
    asyncio.run(produce(infra_env["KAFKA_BOOTSTRAP_SERVERS"], f"{stack.run_id}.{topic}",
                        body.model_dump_json().encode(), headers, key=b"test"))
    return headers["ce_id"]


def publish_request(stack, infra_env, request: NotificationRequested, event_id: str | None = None) -> str:
    return publish(stack, infra_env, "infohus.notify.requests.v1", request, REQUESTED, event_id)


def deliveries(api, notification_id=None, **params) -> list[dict]:
    path = f"/api/v1/notifications/{notification_id}/deliveries" if notification_id else "/api/v1/deliveries"
    response = api["notify"].get(path, params=params, headers=bearer(DPO))
    assert response.status_code == 200, response.text
    return response.json()


def notice(notify_setup, *, honour_conflict=False, **address) -> NotificationRequested:
    notification_id = uuid4()
    return NotificationRequested(
        notification_id=notification_id, concern_id=uuid4(), municipality_code="820", kind="duty_to_inform",
        honour_conflict=honour_conflict, requested_at=datetime.now(UTC),
        addressing=seal_addressing(notification_id, notify_setup.addressing_key, **address),
    )


def reference_of(request: NotificationRequested) -> str:
    return str(request.notification_id)[:8].upper()


def test_the_duty_to_inform_letter_arrives_by_e_mail_in_danish_with_nothing_policy_does_not_allow(
        api, stack, infra_env, smtp_sink, notify_setup):
    email = f"borger.{uuid4().hex[:8]}@borger.test"
    request = notice(notify_setup, name="Åse Jørgensen", email=email)
    publish_request(stack, infra_env, request)

    [mail] = eventually(lambda: smtp_sink.to(email), timeout=60)
    text = mail.get_body(("plain",)).get_content()
    html = mail.get_body(("html",)).get_content()
    assert mail["Subject"] == "Orientering om behandling af dine personoplysninger"
    for phrase in ("Kære Åse Jørgensen", "Vesthimmerland Kommune er dataansvarlig", "artikel 14",
                   "Retsplejelovens § 115", "artikel 6, stk. 1, litra e", "Databeskyttelseslovens § 7, stk. 4",
                   "Databeskyttelseslovens § 8", "anonymiseres oplysningerne senest 12 måneder",
                   "senest 24 måneder efter den sidste opfølgning", "ret til indsigt", "berigtiget",
                   "klage til Datatilsynet", f"Reference: {reference_of(request)}"):
        assert phrase in text, phrase
    assert "Retsplejelovens § 115" in html
    # Nothing about the concern, no CPR, no ids beyond the short reference.
    assert str(request.concern_id) not in text and str(request.concern_id) not in html
    assert "bekymringen:" not in text.lower()

    [delivery] = eventually(lambda: [d for d in deliveries(api, request.notification_id) if d["status"] == "sent"])
    assert delivery["channel"] == "email" and delivery["recipient"] == "data_subject"
    assert delivery["decision_id"] and delivery["policy_version"]
    assert "GDPR art. 14" in delivery["legal_basis"]
    assert sorted(delivery["shared_fields"]) == ["name", "reference", "registered_at"]
    assert delivery["withheld_fields"] == []
    # The log of the share: the decision is in notify's processing log, with the classes sent.
    rows = query(stack, "notify", "SELECT data_classes, purpose, decision_id, outcome FROM processing_log "
                                  "WHERE decision_id = $1", delivery["decision_id"])
    assert rows and json.loads(rows[0]["data_classes"]) == ["identity", "process"]
    assert rows[0]["purpose"] == "duty_to_inform" and rows[0]["outcome"] == "allowed"


def test_a_letter_by_digital_post_is_dropped_as_html_with_its_envelope(api, stack, infra_env, notify_setup):
    request = notice(notify_setup, cpr="0101104234", name="Bjørn Østergaard", email="bjorn@borger.test")
    publish_request(stack, infra_env, request)
    [delivery] = eventually(lambda: [d for d in deliveries(api, request.notification_id) if d["status"] == "sent"])
    assert delivery["channel"] == "digital_post"  # CPR given: Digital Post before e-mail
    envelope = json.loads((notify_setup.digital_post_dir / f"{delivery['delivery_id']}.json").read_text())
    letter = (notify_setup.digital_post_dir / f"{delivery['delivery_id']}.html").read_text()
    assert envelope["recipient"] == {"type": "cpr", "id": "0101104234"}
    assert envelope["document"]["file"] == f"{delivery['delivery_id']}.html"
    assert "Kære Bjørn Østergaard" in letter and "Retsplejelovens § 115" in letter
    assert "0101104234" not in letter  # the CPR addresses the letter; it is not in it


def test_an_urgent_meeting_summons_goes_out_within_its_deadline(api, stack, infra_env, smtp_sink):
    requested_at = datetime.now(UTC)
    summons = NotificationRequested(
        notification_id=uuid4(), concern_id=uuid4(), municipality_code="820", kind="meeting_summons",
        meeting_urgency="urgent", meeting_id=uuid4(), due_at=requested_at + timedelta(days=2),
        requested_at=requested_at, link_path="/meetings/urgent-1",
        recipients=[{"kind": "staff_role", "role": "ssp_coordinator"}],
    )
    publish_request(stack, infra_env, summons)
    reference = f"Reference: {reference_of(summons)}"
    [mail] = eventually(lambda: [m for m in smtp_sink.to("ssp.820@kommune.test")
                                 if reference in m.get_body(("plain",)).get_content()], timeout=60)
    arrived = datetime.now(UTC)
    assert mail["Subject"].startswith("Hastende indkaldelse: møde i Infohus")
    text = mail.get_body(("plain",)).get_content()
    assert "http://127.0.0.1:8000/meetings/urgent-1" in text and "ingen oplysninger om sagen" in text

    sent = eventually(lambda: [d for d in deliveries(api, summons.notification_id) if d["status"] == "sent"])
    assert {d["channel"] for d in sent} == {"email", "in_app"}
    for delivery in sent:
        deadline = datetime.fromisoformat(delivery["deadline"]).replace(tzinfo=UTC)
        sent_at = datetime.fromisoformat(delivery["sent_at"]).replace(tzinfo=UTC)
        assert deadline <= requested_at + timedelta(minutes=15)
        assert sent_at <= deadline
    assert arrived - requested_at < timedelta(minutes=15)
    assert all(d["shared_fields"] and set(d["shared_fields"]) <= {"reference", "due_at", "meeting_urgency",
                                                                   "link_path"} for d in sent)

    inbox = api["notify"].get("/api/v1/inbox", headers=bearer("ssp_coordinator")).json()
    [item] = [i for i in inbox if reference in i["body"]]
    assert item["link"] == "http://127.0.0.1:8000/meetings/urgent-1" and item["kind"] == "meeting_summons_urgent"
    other = api["notify"].get("/api/v1/inbox", params={"user": "u-ssp-820"}, headers=bearer("leadership"))
    assert other.status_code == 403  # an inbox is its owner's only


def test_no_message_is_sent_twice_when_its_event_is_redelivered(api, stack, infra_env, smtp_sink, notify_setup):
    email = f"borger.{uuid4().hex[:8]}@borger.test"
    request = notice(notify_setup, name="Mette Læsø", email=email)
    event_id = publish_request(stack, infra_env, request)
    publish_request(stack, infra_env, request, event_id=event_id)  # the same event, delivered again
    last_event_id = publish_request(stack, infra_env, request)  # the same notification under a new event id
    eventually(lambda: smtp_sink.to(email), timeout=60)
    # All three share a key, so a partition: once the last is processed, so are the two before it; and once
    # every delivery of the notice is sent, nothing more can leave for it.
    eventually(lambda: query(stack, "notify", "SELECT 1 FROM processed_event WHERE event_id = $1", last_event_id),
               timeout=60)

    def all_sent() -> bool:
        rows = deliveries(api, request.notification_id)
        return bool(rows) and all(d["status"] == "sent" for d in rows)

    eventually(all_sent, timeout=60)
    assert len(smtp_sink.to(email)) == 1
    assert len(deliveries(api, request.notification_id)) == 1
    rows = query(stack, "notify", "SELECT count(*) AS n FROM notification WHERE notification_id = $1",
                 str(request.notification_id))
    assert rows[0]["n"] == 1


def test_an_honour_related_notice_is_held_and_staff_are_reminded_at_review(
        api, stack, infra_env, smtp_sink, notify_setup):
    email = f"borger.{uuid4().hex[:8]}@borger.test"
    request = notice(notify_setup, honour_conflict=True, name="Fatima Hansen", email=email)
    publish_request(stack, infra_env, request)
    link = f"/notifications/{request.notification_id}"
    [mail] = eventually(lambda: [m for m in smtp_sink.to("registrering.820@kommune.test")
                                 if link in m.get_body(("plain",)).get_content()], timeout=60)
    text = mail.get_body(("plain",)).get_content()
    assert mail["Subject"] == "Tilbageholdt orientering skal revurderes"
    assert "barnets lov § 18, stk. 3" in text and "Fatima" not in text
    [row] = api["notify"].get("/api/v1/notifications", params={"concern_id": str(request.concern_id)},
                             headers=bearer("ssp_coordinator")).json()
    assert row["status"] == "held" and "§ 18 stk. 3" in row["status_reason"] and row["review_on"]
    assert smtp_sink.to(email) == []  # nothing to the citizen's home


# ---------------------------------------------------------------------------------------------
# Partner systems
# ---------------------------------------------------------------------------------------------


@pytest.fixture
def partner_subscriptions(policy_server, notify_setup):
    """Compliance lists the test partners in policy data (partner_subscriptions), as for a real partner."""
    opa = policy_server.url.rstrip("/")
    with httpx.Client(timeout=10) as client:
        for partner_id in notify_setup.partners.values():
            response = client.put(f"{opa}/v1/data/infohus/config/partner_subscriptions/{partner_id}",
                                  json=[AGGREGATE, REQUESTED])
            assert response.status_code == 204, response.text
        yield notify_setup.partners
        for partner_id in notify_setup.partners.values():
            client.delete(f"{opa}/v1/data/infohus/config/partner_subscriptions/{partner_id}")


def aggregate(count: int = 7) -> AggregateReport:
    return AggregateReport(report_id=uuid4(), municipality_code="820", period=f"{datetime.now(UTC):%Y-%m}",
                           metric="concerns_received", count=count, suppressed=False, k=5,
                           computed_at=datetime.now(UTC))


def test_partners_get_aggregates_signed_a_failing_webhook_is_retried_then_dead_lettered(
        api, stack, infra_env, webhook_receiver, partner_subscriptions):
    report = aggregate()
    event_id = publish(stack, infra_env, "infohus.network.aggregates.v1", report, AGGREGATE)

    def received(path: str) -> list[dict]:
        return [r for r in webhook_receiver.received
                if r["path"] == path and json.loads(r["body"])["id"] == event_id]

    [delivered] = eventually(lambda: received("/ok"), timeout=60)
    event = json.loads(delivered["body"])
    assert event["type"] == AGGREGATE and event["data"]["count"] == 7
    assert event["data"]["report_id"] == str(report.report_id)
    assert delivered["headers"]["X-Infohus-Signature"].startswith("sha256=")

    # The broken endpoint: every attempt made, then dead-lettered and shown to staff.
    [mine] = eventually(lambda: [d for d in deliveries(api, status="dead_lettered",
                                                       partner_id=partner_subscriptions["broken"])
                                 if d["event_id"] == event_id], timeout=60)
    assert len(received("/fail")) == 3
    assert mine["attempts"] == 3 and "HTTP 500" in mine["last_error"]
    log = api["notify"].get(f"/api/v1/deliveries/{mine['delivery_id']}/log", headers=bearer(DPO)).json()
    statuses = [entry["status"] for entry in log]
    assert statuses.count("failed") == 3 and statuses.count("retried") == 2 and statuses[-1] == "dead_lettered"
    metrics = api["notify"].get("/metrics").text
    assert 'infohus_notify_dead_lettered_total{channel="webhook"}' in metrics

    # The partner's own Kafka topic carries the same event.
    topic = f"{stack.run_id}.infohus.partner.{partner_subscriptions['kafka']}.v1"
    records = asyncio.run(read_topic(infra_env["KAFKA_BOOTSTRAP_SERVERS"], topic, expect=50, timeout=10))
    [record] = [r for r in records if headers_of(r)["ce_id"] == event_id]
    assert body_of(record)["count"] == 7 and headers_of(record)["ce_partner"] == partner_subscriptions["kafka"]


def test_a_replayed_webhook_is_rejected_by_its_signature_check(
        api, stack, infra_env, webhook_receiver, partner_subscriptions):
    event_id = publish(stack, infra_env, "infohus.network.aggregates.v1", aggregate(9), AGGREGATE)
    [delivered] = eventually(lambda: [r for r in webhook_receiver.received if r["path"] == "/ok"
                                      and json.loads(r["body"])["id"] == event_id], timeout=60)
    replay_headers = {k: v for k, v in delivered["headers"].items()
                      if k.lower() in ("content-type", "x-infohus-timestamp", "x-infohus-signature")}
    response = httpx.post(f"{webhook_receiver.url}/ok", content=delivered["body"], headers=replay_headers)
    assert response.status_code == 401
    assert webhook_receiver.rejected[-1] == "signature already seen: replayed request"
    tampered = delivered["body"].replace(b'"count":9', b'"count":90')
    response = httpx.post(f"{webhook_receiver.url}/ok", content=tampered, headers=replay_headers)
    assert response.status_code == 401 and webhook_receiver.rejected[-1] == "signature does not match the body"


def test_partners_never_get_case_process_facts(api, stack, infra_env, notify_setup, partner_subscriptions):
    reminder = NotificationRequested(
        notification_id=uuid4(), concern_id=uuid4(), municipality_code="820", kind="follow_up_reminder",
        requested_at=datetime.now(UTC), recipients=[{"kind": "staff_role", "role": "leadership"}],
    )
    event_id = publish_request(stack, infra_env, reminder)

    def denied():
        rows = deliveries(api, partner_id=partner_subscriptions["ok"], status="denied")
        return [d for d in rows if d["event_id"] == event_id and d["decision_id"]]

    [refused] = eventually(denied, timeout=60)
    assert any("aggregates and general knowledge only" in reason for reason in refused["deny_reasons"])
