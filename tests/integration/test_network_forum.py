"""Issue 7 over the real broker: the Infohus Netværk of one police district with three municipalities.

Each municipality runs its own instance (intake, assessment, registry: own databases, own topics,
its own org). What each registry publishes for the network is carried to the district network's
topic byte for byte, as replication between a municipality's cluster and the district's would in
production. The district network (the suite's network service, Nordjyllands Politi) plans and
summons meetings, records attendance and engagement, keeps knowledge, combines the three
municipalities' statistics with suppression, and refuses free text that points at a case. At the
end, its database, API and log hold none of the case data the municipalities processed.
"""

import asyncio
import json
import os
import secrets
import string
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from types import SimpleNamespace
from uuid import uuid4

import httpx
import pytest
from stack import ServiceProcess

import samples
from support import bearer, eventually, produce, query, read_topic

DISTRICT = "nordjylland"
CODES = ("810", "813", "846")  # Brønderslev, Frederikshavn, Mariagerfjord: all Nordjyllands Politi
AGGREGATES_TOPIC = "infohus.network.aggregates.v1"
NOW = datetime.now(UTC)
# A month no other test uses, so the district's cells are this test's alone.
RECEIVED = datetime(NOW.year - 2, NOW.month, 10, 12, tzinfo=UTC)
PERIOD = f"{RECEIVED:%Y-%m}"
MARK = "".join(secrets.choice(string.ascii_uppercase) for _ in range(8))  # letters: never part of a date or id


@dataclass
class Municipality:
    code: str
    services: dict[str, ServiceProcess]
    database_url: str
    prefix: str

    @property
    def intake(self) -> str:
        return self.services["intake"].url

    def query(self, service: str, sql: str, *args):
        return query(SimpleNamespace(database_url=self.database_url), service, sql, *args)


def kafka_acls(infra_env: dict[str, str], command: str, prefix: str) -> None:
    """On a SASL broker, an instance's topics and ACLs are made (and revoked) as for the suite's own."""
    if infra_env.get("KAFKA_SECURITY_PROTOCOL", "PLAINTEXT") == "PLAINTEXT":
        return
    subprocess.run([sys.executable, "-m", "infohus_tools.kafka_acls", command, "--prefix", prefix],
                   check=command == "apply", env=dict(os.environ) | infra_env, stdout=subprocess.DEVNULL)


@pytest.fixture(scope="module")
def municipalities(stack, infra_env) -> Iterator[dict[str, Municipality]]:
    """Three municipal instances: intake, assessment and registry each, with their own org, topics and databases."""
    base = int(os.environ.get("INFOHUS_TEST_PORT_BASE", "18000")) + 40
    server = stack.database_url.rsplit("/", 1)[0]
    started: dict[str, Municipality] = {}
    for i, code in enumerate(CODES):
        prefix = f"{stack.run_id}.k{code}."
        kafka_acls(infra_env, "apply", prefix)
        database_url = f"{server}/{stack.run_id}_k{code}"
        env = dict(stack.base_env) | {"INFOHUS_ORG": f"kommune-{code}", "KAFKA_TOPIC_PREFIX": prefix,
                                      "DATABASE_URL": database_url}
        services = {
            name: ServiceProcess(name, base + 3 * i + j, env | {"PORT": str(base + 3 * i + j)},
                                 Path(stack.log_dir) / f"kommune-{code}" / f"{name}.log")
            for j, name in enumerate(("intake", "assessment", "registry"))
        }
        started[code] = Municipality(code, services, database_url, prefix)
    everything = [s for m in started.values() for s in m.services.values()]
    try:
        for service in everything:
            service.start()
        deadline = time.monotonic() + 180
        waiting = list(everything)
        while waiting:
            for service in list(waiting):
                if not service.alive():
                    raise RuntimeError(f"{service.name} exited; see {service.log_path}")
                if service.ready():
                    waiting.remove(service)
            if waiting and time.monotonic() > deadline:
                raise TimeoutError(f"not ready: {[s.log_path for s in waiting]}")
            time.sleep(0.5)
        yield started
    finally:
        for service in everything:
            service.stop()
        for municipality in started.values():
            kafka_acls(infra_env, "revoke", municipality.prefix)


def person(age: int, serial: int) -> dict:
    born = RECEIVED - timedelta(days=int(age * 365.25) + 40 + serial)
    return {"name": f"Zenobia{MARK} Kvist{serial}", "cpr": samples.cpr_for(born, serial),
            "area": f"Kvarter{MARK}", "family_network": f"Familie{MARK}: bor hos sin mor",
            "school_work": f"Skole{MARK}"}


def concern(code: str, age: int, source: str, serial: int) -> dict:
    return samples.concern(municipality_code=code, source_category=source, person=person(age, serial),
                           description=f"Bekymring{MARK}: ekstremistiske symboler og trusler ({serial})",
                           received_at=RECEIVED.isoformat())


# Per municipality: (age, source) of each concern.
PLAN = {
    "810": [(16, "public_school")] * 5 + [(16, "police"), (20, "police")],  # 7 concerns
    "813": [(16, "public_school")] * 5,  # 5 concerns
    "846": [(30, "police")] * 2,  # 2 concerns: below k
}


def network_member(code: str | None, who: str) -> dict[str, str]:
    org = f"kommune-{code}" if code else f"politikreds-{DISTRICT}"
    return bearer("network_member", sub=f"u-net-{who}", name=f"Netværk {who}", municipality_code=code, org=org,
                  police_district=DISTRICT)


POLICE = network_member(None, "politi")


class Seen:
    """Everything the network said over HTTP during the test, to search for case data afterwards."""

    def __init__(self, client: httpx.Client) -> None:
        self.client = client
        self.texts: list[str] = []

    def __call__(self, method: str, path: str, headers: dict | None = None, **kwargs) -> httpx.Response:
        response = self.client.request(method, path, headers=headers or POLICE, **kwargs)
        self.texts.append(response.text)
        return response


def test_a_district_network_of_three_municipalities(api, stack, infra_env, municipalities, smtp_sink):
    bootstrap = infra_env["KAFKA_BOOTSTRAP_SERVERS"]
    net = Seen(api["network"])
    case_data: list[str] = []
    concern_ids: list[str] = []

    # -- Three municipalities receive concerns in their own instances --------------------------
    serial = 0
    for code, plan in PLAN.items():
        with httpx.Client(base_url=municipalities[code].intake, timeout=15) as intake:
            coordinator = bearer("ssp_coordinator", municipality_code=code, org=f"kommune-{code}")
            for age, source in plan:
                serial += 1
                body = concern(code, age, source, serial)
                response = intake.post("/api/v1/concerns", json=body, headers=coordinator)
                assert response.status_code == 202, response.text
                concern_ids.append(response.json()["concern_id"])
                case_data += [body["person"]["name"], body["person"]["cpr"], body["description"],
                              body["person"]["family_network"], body["person"]["area"], body["reporter"]["name"]]

    for code, plan in PLAN.items():
        instance = municipalities[code]
        eventually(lambda: instance.query("registry", "SELECT count(*) AS n FROM registration")[0]["n"] == len(plan),
                   timeout=90)
        # The registry publishes aggregates a moment after the registrations (AGGREGATE_INTERVAL_SECONDS).
        eventually(lambda: not instance.query("registry", "SELECT 1 FROM aggregate_due")
                   and instance.query("registry", "SELECT count(*) AS n FROM outbox_message WHERE topic = $1",
                                      AGGREGATES_TOPIC)[0]["n"] > 0, timeout=60)
        eventually(lambda: instance.query("registry", "SELECT count(*) AS n FROM outbox_message "
                                                      "WHERE status = 'pending'")[0]["n"] == 0, timeout=60)
        assert not instance.query("registry", "SELECT 1 FROM outbox_message WHERE status = 'denied'")

    # -- Each instance's aggregates reach the district network's topic -------------------------
    target = f"{stack.run_id}.{AGGREGATES_TOPIC}"
    mirrored: set[str] = set()
    for code, instance in municipalities.items():
        published = instance.query("registry", "SELECT count(*) AS n FROM outbox_message WHERE topic = $1",
                                   AGGREGATES_TOPIC)[0]["n"]
        records = asyncio.run(read_topic(bootstrap, instance.prefix + AGGREGATES_TOPIC, expect=published))
        assert len(records) == published > 0
        for record in records:
            body = json.loads(record.value)
            # A municipality's instance publishes only its own counts, and nothing but counts.
            assert body["municipality_code"] == code and body["period"] == PERIOD
            assert dict(record.headers)["ce_source"].decode() == f"/infohus/kommune-{code}/registry"
            assert not any(secret in record.value.decode() for secret in case_data)
            asyncio.run(produce(bootstrap, target, record.value, {k: v.decode() for k, v in record.headers},
                                key=record.key))
            mirrored.add(dict(record.headers)["ce_id"].decode())

    def consumed() -> bool:
        rows = query(stack, "network", "SELECT event_id FROM processed_event WHERE event_id = ANY($1::text[])",
                     list(mirrored))
        return len(rows) == len(mirrored)

    eventually(consumed, timeout=60)

    # A valid report from a municipality in another police district is not this network's.
    foreign = {"report_id": str(uuid4()), "municipality_code": "101", "period": PERIOD,
               "metric": "concerns_received", "count": 40, "suppressed": False, "k": 5,
               "computed_at": datetime.now(UTC).isoformat()}
    asyncio.run(produce(bootstrap, target, json.dumps(foreign).encode(), {
        "ce_id": str(uuid4()), "ce_source": "/infohus/kommune-101/registry", "ce_specversion": "1.0",
        "ce_type": "dk.infohus.network.aggregate.v1", "ce_time": datetime.now(UTC).isoformat(),
        "content-type": "application/json"}))

    # -- District statistics combine all three, suppressed again --------------------------------
    def statistics():
        response = net("GET", "/api/v1/statistics", params={"period": PERIOD, "by_municipality": "true"},
                       headers=network_member("851", "aalborg"))
        body = response.json()
        volume = [c for c in body.get("cells", []) if c["metric"] == "concerns_received"]
        return body if volume and volume[0]["municipalities"] == 3 and volume[0]["count"] == 12 else None

    stats = eventually(statistics, timeout=60)
    cells = {(c["metric"], c["dimension_value"]): c for c in stats["cells"]}
    # 810: 7, 813: 5, 846: 2 (suppressed at source) → 12 shown, and the reader is told it is at least that.
    assert cells[("concerns_received", None)] == {
        "metric": "concerns_received", "dimension_value": None, "count": 12, "suppressed": False, "at_least": True,
        "suppressed_parts": 1, "municipalities": 3}
    # 810: public_school 5 and police 2 → police hidden, and public_school with it (secondary suppression),
    # so the district shows 813's 5 and says there is more.
    school = cells[("source_category", "public_school")]
    assert (school["count"], school["at_least"], school["suppressed_parts"]) == (5, True, 1)
    # police: 2 in 810 and 2 in 846, both suppressed at source → nothing shown for the district either.
    assert cells[("source_category", "police")]["count"] is None and cells[("source_category", "police")]["suppressed"]
    # 15-17: 813 shows 5; 810's 6 is hidden by secondary suppression (its 18-24 cell is 1).
    assert cells[("age_band", "15-17")]["count"] == 5 and cells[("age_band", "15-17")]["at_least"]
    assert cells[("age_band", "18-24")]["count"] is None and cells[("age_band", "25-34")]["count"] is None
    assert all(c["count"] is None or c["count"] == 0 or c["count"] >= stats["k"] for c in stats["cells"])
    by_code = {m["municipality_code"]: {(c["metric"], c["dimension_value"]): c["count"] for c in m["cells"]}
               for m in stats["by_municipality"]}
    assert set(by_code) == set(CODES)
    assert by_code["810"][("concerns_received", None)] == 7 and by_code["810"][("age_band", "15-17")] is None
    assert by_code["813"][("concerns_received", None)] == 5 and by_code["846"][("concerns_received", None)] is None
    reporting = {m["code"] for m in stats["municipalities"] if m["reporting"]}
    assert reporting == set(CODES) and "101" not in json.dumps(stats)
    year = net("GET", "/api/v1/statistics", params={"period": f"{RECEIVED.year}"}).json()
    assert year["cells"][0]["count"] == 12 and len(year["months"]) == 12
    eventually(lambda: 'infohus_network_aggregates_ignored_total{reason="outside_district"} 1.0'
               in api["network"].get("/metrics").text, timeout=30)
    assert not any(row["municipality_code"] == "101" for row in net("GET", "/api/v1/aggregates").json())

    # -- Members: the police coordinator, the municipalities' coordinators, an attending leader ---
    def member(name, role, code=None, hands_on=None):
        response = net("POST", "/api/v1/members", json={
            "name": name, "email": f"{name.split()[0].lower()}@{code or 'politi'}.example.dk", "role": role,
            "municipality_code": code, "hands_knowledge_on_to": hands_on})
        assert response.status_code == 201, response.text
        return response.json()["id"]

    police = member("Pernille Politikoordinator", "police_coordinator")
    coordinators = {code: member(f"Koordinator{code} SSP", "municipal_coordinator", code) for code in CODES}
    leader = member("Lene Leder", "leader", "810", "SSP-konsulenterne og Børne- og Familierådgivningen")
    refused = net("POST", "/api/v1/members", json={"name": "Lars Leder", "email": "lars@x.dk", "role": "leader",
                                                    "municipality_code": "813"})
    assert refused.status_code == 422 and refused.json()["errors"][0]["field"] == "hands_knowledge_on_to"
    municipalities_view = {m["code"]: m for m in net("GET", "/api/v1/municipalities").json()}
    assert municipalities_view["810"]["coordinators"] == 1 and municipalities_view["810"]["leaders"] == 1
    assert municipalities_view["825"]["members"] == []

    # -- Meetings: three held (history), one planned, agenda, summons in good time ----------------
    def meeting(title, starts_at):
        response = net("POST", "/api/v1/meetings", json={"title": title, "starts_at": starts_at.isoformat(),
                                                          "location": "Aalborg Politigård"})
        assert response.status_code == 201, response.text
        return response.json()["id"]

    held = [meeting(f"Netværksmøde {i}", NOW - timedelta(days=days)) for i, days in enumerate((270, 180, 90), 1)]
    present = {held[0]: ["810", "813", "846"], held[1]: ["810", "846"], held[2]: ["810", "846"]}
    for meeting_id, codes in present.items():
        entries = [{"member_id": police, "status": "present"}]
        entries += [{"member_id": coordinators[c], "status": "present" if c in codes else "absent"} for c in CODES]
        response = net("PUT", f"/api/v1/meetings/{meeting_id}/attendance", json={"entries": entries})
        assert response.status_code == 200, response.text
    net("PUT", f"/api/v1/meetings/{held[2]}/attendance", json={"entries": [{"member_id": leader, "status": "present"}]})
    item = net("POST", f"/api/v1/meetings/{held[2]}/agenda", headers=network_member("846", "mariagerfjord"),
               json={"title": "Erfaringer med bekymringssamtaler", "confirms_no_individual_case": True})
    assert item.status_code == 201 and item.json()["proposer_municipality_code"] == "846"
    minutes = net("PUT", f"/api/v1/meetings/{held[2]}/minutes", json={
        "body": "Oplæg fra Center for Forebyggelse af Ekstremisme om tendenser blandt unge. "
                "Næste møde om tre måneder.", "confirms_no_individual_case": True})
    assert minutes.status_code == 200, minutes.text

    upcoming = meeting("Netværksmøde (næste)", NOW + timedelta(days=30))
    agenda = net("POST", f"/api/v1/meetings/{upcoming}/agenda", headers=network_member("813", "frederikshavn"),
                 json={"title": "Handlekort til frontpersonale", "description": "Udkast til fælles handlekort.",
                       "duration_minutes": 30, "confirms_no_individual_case": True})
    assert agenda.status_code == 201, agenda.text
    soon = meeting("Ekstraordinært møde", NOW + timedelta(days=5))
    late = net("POST", f"/api/v1/meetings/{soon}/summon", json={})
    assert late.status_code == 422 and late.json()["errors"][0]["field"] == "allow_short_notice"
    net("POST", f"/api/v1/meetings/{soon}/cancel")
    summoned = net("POST", f"/api/v1/meetings/{upcoming}/summon", json={})
    assert summoned.status_code == 200, summoned.text
    invitations = summoned.json()
    assert len(invitations) == 5 and {i["status"] for i in invitations} == {"queued"}
    assert len(net("POST", f"/api/v1/meetings/{upcoming}/summon", json={}).json()) == 5  # nobody twice
    detail = net("GET", f"/api/v1/meetings/{upcoming}").json()
    assert detail["status"] == "summoned" and detail["invitations"] == {"queued": 5}
    # The summons goes out through notify, by e-mail, to every member: a date and a link, no agenda text.
    addresses = [i["email"] for i in invitations]
    eventually(lambda: all(smtp_sink.to(address) for address in addresses), timeout=60)
    summons = smtp_sink.to(addresses[0])[0]
    assert "Handlekort" not in summons.get_body(("plain", "html")).get_content()
    assert detail["agenda_by_municipality"] == {"813": 1}
    cadence = net("GET", "/api/v1/district").json()
    assert cadence["next_meeting_at"] is not None and cadence["summon_overdue"] is False
    assert [m["code"] for m in cadence["municipalities"]] == ["810", "813", "820", "825", "840", "846", "849",
                                                             "851", "860"]

    # -- Engagement: which municipality is drifting away -----------------------------------------
    engagement = {m["municipality_code"]: m for m in net("GET", "/api/v1/engagement").json()["municipalities"]}
    assert engagement["810"]["status"] == "engaged" and engagement["810"]["attendance_rate"] == 1.0
    assert engagement["813"]["status"] == "drifting" and "missed_last_two_meetings" in engagement["813"]["reasons"]
    assert engagement["846"]["status"] == "engaged" and engagement["846"]["agenda_items"] == 1
    assert engagement["825"]["status"] == "not_represented"
    assert [t["attended"] for t in engagement["813"]["timeline"]] == [True, False, False]

    # -- Knowledge: posted, found, with attachments ----------------------------------------------
    talk = net("POST", "/api/v1/knowledge", headers=network_member("810", "broenderslev"), json={
        "title": "PET: trusselsbilledet for unge og onlinemiljøer",
        "body": "Oplæg fra PET's Center for Forebyggelse om tendenser på et generelt niveau: "
                "yngre personer radikaliseres online, ofte i lukkede grupper.",
        "kind": "talk", "source": "pet", "tags": ["online", "unge"], "meeting_id": held[2],
        "confirms_no_individual_case": True})
    assert talk.status_code == 201, talk.text
    card = net("POST", "/api/v1/knowledge", json={
        "title": "Handlekort: når en lærer er bekymret", "body": "Kontakt SSP-koordinatoren samme dag.",
        "kind": "action_card", "source": "education_agency", "tags": ["handlekort"],
        "confirms_no_individual_case": True})
    assert card.status_code == 201, card.text
    attachment = net("POST", f"/api/v1/knowledge/{card.json()['id']}/attachments",
                     params={"filename": "handlekort-lærere.md", "confirms_no_individual_case": "true"},
                     headers=POLICE | {"content-type": "text/markdown"},
                     content="# Handlekort\n1. Notér hvad du har set.\n2. Ring til SSP-koordinatoren.".encode())
    assert attachment.status_code == 201, attachment.text
    def search(**params) -> list[str]:
        return [p["id"] for p in net("GET", "/api/v1/knowledge", params=params).json()]

    assert search(q="onlinemiljøer") == [talk.json()["id"]]  # in the body
    assert search(q="notér") == [card.json()["id"]]  # in the attachment's text
    assert search(tag="online") == [talk.json()["id"]]
    assert search(q='"lukkede grupper" pet', source="pet") == [talk.json()["id"]]
    found = net("GET", "/api/v1/knowledge", params={"kind": "action_card"}).json()
    assert found[0]["attachments"][0]["filename"] == "handlekort-lærere.md"
    download = net("GET", found[0]["attachments"][0]["url"])
    assert download.status_code == 200 and download.content.startswith(b"# Handlekort")
    assert net("POST", f"/api/v1/knowledge/{card.json()['id']}/attachments", params={"filename": "x.png"},
               headers=POLICE | {"content-type": "image/png"}, content=b"\x89PNG\r\n").status_code == 415

    # -- The free-text guard refuses a CPR number and a case reference ---------------------------
    cpr, concern_id = case_data[1], concern_ids[0]
    attempts = [
        ("PUT", f"/api/v1/meetings/{held[2]}/minutes", {"body": f"Vi drøftede {cpr} kort.",
                                                         "confirms_no_individual_case": True}, "body", "cpr"),
        ("POST", "/api/v1/knowledge", {"title": "Erfaringer", "body": f"Se henvendelsen {concern_id}.",
                                       "kind": "material", "source": "municipality",
                                       "confirms_no_individual_case": True}, "body", "case_reference"),
        ("POST", f"/api/v1/meetings/{upcoming}/agenda", {"title": "Opfølgning på sag 2026-123",
                                                          "confirms_no_individual_case": True}, "title",
         "case_reference"),
        ("POST", f"/api/v1/meetings/{upcoming}/agenda", {"title": f"Drengen, født {RECEIVED:%d.%m.%Y}",
                                                          "confirms_no_individual_case": True}, "title",
         "birth_date"),
        ("POST", f"/api/v1/meetings/{upcoming}/agenda", {"title": "Tendenser i skolerne"},
         "confirms_no_individual_case", "unconfirmed"),
    ]
    for method, path, body, field, kind in attempts:
        response = net(method, path, json=body)
        assert response.status_code == 422, response.text
        error = response.json()["errors"][0]
        assert (error["field"], error["type"]) == (field, f"free_text.{kind}")
        assert "Netværket må ikke drøfte enkeltsager." in error["reason"]
        assert cpr not in response.text and concern_id not in response.text
    assert net("GET", "/api/v1/knowledge", params={"q": cpr}).status_code == 422
    case_data += [cpr, concern_id, *concern_ids, "sag 2026-123", f"{RECEIVED:%d.%m.%Y}"]
    metrics = api["network"].get("/metrics").text
    for kind, count in [("cpr", 2), ("case_reference", 2), ("birth_date", 1), ("unconfirmed", 1)]:
        assert f'infohus_network_free_text_refusals_total{{reason="{kind}"}} {count}.0' in metrics, kind
    assert net("GET", f"/api/v1/meetings/{held[2]}").json()["minutes"]["body"].startswith("Oplæg fra Center")

    # -- Only network members of this district get in ---------------------------------------------
    assert api["network"].get("/api/v1/meetings").status_code == 401
    assert api["network"].get("/api/v1/meetings", headers=bearer("ssp_coordinator")).status_code == 403
    other = bearer("network_member", police_district="fyn", municipality_code="461", org="kommune-461")
    assert api["network"].get("/api/v1/statistics", params={"period": PERIOD}, headers=other).status_code == 403

    # -- After the whole run: no case data in the network's database, API or log ------------------
    tables = [r["tablename"] for r in query(stack, "network", "SELECT tablename FROM pg_tables "
                                                               "WHERE schemaname = 'public'")]
    assert {"knowledge_post", "meeting_minutes", "aggregate_cell", "meeting_invitation"} <= set(tables)
    dump = [json.dumps([dict(r) for r in query(stack, "network", f'SELECT * FROM "{table}"')],
                       default=lambda v: v.decode("utf-8", "replace") if isinstance(v, bytes) else str(v),
                       ensure_ascii=False) for table in tables]
    for path in ("/api/v1/aggregates", "/api/v1/members", "/api/v1/meetings", "/api/v1/engagement",
                 "/api/v1/knowledge", "/api/v1/district", "/api/v1/municipalities"):
        net("GET", path)
    for meeting_id in [*held, upcoming]:
        net("GET", f"/api/v1/meetings/{meeting_id}")
    log = stack["network"].log_path.read_text(errors="replace")
    everything = "\n".join([*dump, *net.texts, log])
    leaked = [secret for secret in case_data if secret in everything]
    assert leaked == []
    assert MARK not in everything
