"""Who gets which message over which channel, what OPA is asked, and the Danish text that comes out."""

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from uuid import uuid4

import pytest

from infohus_contracts.case.notifications import NotificationRequested
from infohus_notify.config import ConfigError, Partner, load_partners
from infohus_notify.domain import (
    DIGITAL_POST,
    EMAIL,
    IN_APP,
    UNADDRESSED,
    StaffMember,
    allowed_fields,
    backoff_seconds,
    initial_status,
    message_plan,
    plan_deliveries,
)
from infohus_notify.rendering import Templates, dato, html_blocks

ROOT = Path(__file__).resolve().parents[2]
NOTICE = json.loads((ROOT / "policies/infohus/config/data.json").read_text())["notice"]
NOW = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
STAFF = [
    StaffMember("u-ssp-820", ("ssp_coordinator",), "ssp@kommune.test", "820"),
    StaffMember("u-ssp-851", ("ssp_coordinator",), "ssp@aalborg.test", "851"),
    StaffMember("u-lead-820", ("leadership",), None, "820"),
]


def request(**overrides) -> NotificationRequested:
    base = dict(notification_id=uuid4(), concern_id=uuid4(), municipality_code="820", kind="duty_to_inform",
                requested_at=NOW)
    return NotificationRequested.model_validate(base | overrides)


def test_a_role_means_the_local_staff_with_that_role_in_app_and_by_e_mail():
    reminder = request(kind="follow_up_reminder", recipients=[{"kind": "staff_role", "role": "ssp_coordinator"},
                                                              {"kind": "staff_role", "role": "leadership"}])
    planned = {(p.recipient_label, p.channel) for p in plan_deliveries(reminder, STAFF, None, [])}
    assert planned == {("user:u-ssp-820", IN_APP), ("user:u-ssp-820", EMAIL), ("user:u-lead-820", IN_APP)}


def test_a_role_nobody_holds_goes_to_the_roles_inbox():
    reminder = request(kind="handover_at_18", recipients=[{"kind": "staff_role", "role": "police_coordinator"}])
    [planned] = plan_deliveries(reminder, STAFF, None, [])
    assert (planned.recipient_label, planned.channel) == ("role:police_coordinator", IN_APP)


@pytest.mark.parametrize(("address", "channel"), [
    ({"cpr": "0101104234", "email": "a@b.test"}, DIGITAL_POST),
    ({"email": "a@b.test", "name": "Åse"}, EMAIL),
])
def test_the_citizen_is_reached_by_digital_post_first(address, channel):
    [planned] = plan_deliveries(request(), [], address, [DIGITAL_POST, EMAIL])
    assert planned.channel == channel and planned.recipient == {"kind": "data_subject"}


def test_a_notice_without_an_address_is_left_for_staff():
    [planned] = plan_deliveries(request(), [], None, [DIGITAL_POST, EMAIL], "no address")
    assert planned.status == UNADDRESSED and planned.reason == "no address"


def test_honour_related_notices_are_held_other_messages_are_not():
    assert initial_status(request(honour_conflict=True))[0] == "held"
    staff = request(kind="follow_up_reminder", honour_conflict=True,
                    recipients=[{"kind": "staff_user", "user_id": "u-ssp-820"}])
    assert initial_status(staff)[0] == "recorded"


def test_what_opa_is_asked_per_kind_of_message():
    notice = request()
    plan = message_plan(kind="duty_to_inform", recipient={"kind": "data_subject"}, org="kommune-820",
                        municipality_code="820", request=notice.model_dump(mode="json"),
                        notification_id=str(notice.notification_id), citizen_name="Åse Jørgensen")
    sender = {"service": "notify", "org": "kommune-820", "regime": "gdpr"}
    share = plan.share_input(sender)
    assert share["recipient"]["kind"] == "data_subject" and share["purpose"] == "duty_to_inform"
    assert share["data_classes"] == ["identity", "process"]
    assert {f["name"]: f["data_class"] for f in plan.preview_input(sender)["fields"]}["name"] == "identity"

    reminder = request(kind="follow_up_overdue", recipients=[{"kind": "staff_role", "role": "ssp_coordinator"}],
                       link_path="/cases/9", due_at=NOW)
    staff_plan = message_plan(kind="follow_up_overdue", recipient={"kind": "staff_user", "role": "ssp_coordinator"},
                              org="kommune-820", municipality_code="820", request=reminder.model_dump(mode="json"),
                              notification_id=str(reminder.notification_id))
    assert staff_plan.share_input(sender)["recipient"] == {"kind": "internal", "org": "kommune-820",
                                                            "role": "ssp_coordinator"}
    assert staff_plan.share_input(sender)["data_classes"] == ["process"]  # a link and a date, nothing else

    network = request(kind="meeting_summons", concern_id=None, meeting_urgency="regular", due_at=NOW,
                      recipients=[{"kind": "meeting_participant", "email": "x@kommune.test"}])
    net_plan = message_plan(kind="meeting_summons", recipient={"kind": "meeting_participant"}, org="kommune-820",
                            municipality_code="820", request=network.model_dump(mode="json"),
                            notification_id=str(network.notification_id))
    assert net_plan.share_input(sender)["recipient"]["kind"] == "network"
    assert net_plan.share_input(sender)["data_classes"] == ["general_knowledge"]


def test_a_field_opa_withholds_is_not_in_the_letter():
    notice = request()
    plan = message_plan(kind="duty_to_inform", recipient={"kind": "data_subject"}, org="kommune-820",
                        municipality_code="820", request=notice.model_dump(mode="json"),
                        notification_id=str(notice.notification_id), citizen_name="Åse Jørgensen")
    preview = {"fields": [{"name": "reference", "shared": True}, {"name": "registered_at", "shared": True},
                          {"name": "name", "shared": False}]}
    fields = {f.name: f.value for f in allowed_fields(plan, preview)}
    assert "name" not in fields
    assert allowed_fields(plan, {}) == []  # no answer: nothing
    letter = Templates().render("duty_to_inform", letter_context(fields))
    assert "Åse" not in letter.text and letter.text.startswith("Kære borger")


def letter_context(fields: dict) -> dict:
    return {"controller": "Vesthimmerlands Kommune", "municipality": "Vesthimmerland",
            "notice": NOTICE | {"legal_basis": NOTICE["legal_basis"]["gdpr"]},
            "retention": {"unfounded_months": 12, "effort_months": 24},
            "controller_contact": "Ring til kommunen.", "dpo_contact": "Skriv til DPO."} | fields


def test_the_duty_to_inform_letter_says_what_art_14_requires_in_danish():
    letter = Templates().render("duty_to_inform", letter_context({"name": "Åse Jørgensen", "reference": "AB12",
                                                                   "registered_at": NOW.isoformat()}))
    assert letter.subject == "Orientering om behandling af dine personoplysninger"
    for phrase in ("Kære Åse Jørgensen", "Vesthimmerlands Kommune er dataansvarlig", "Retsplejelovens § 115",
                   "artikel 6, stk. 1, litra e", "§ 7, stk. 4", "Databeskyttelseslovens § 8", "12 måneder",
                   "24 måneder", "ret til indsigt", "berigtiget", "Datatilsynet", "23. november 2026 kl. 10.00"):
        assert phrase in letter.text, phrase
    assert "<li>Retsplejelovens § 115" in letter.html and 'lang="da"' in letter.html


@pytest.mark.parametrize("template", ["follow_up_reminder", "follow_up_overdue", "enrichment_deadline",
                                      "leadership_effort_started", "leadership_approval_needed", "handover_at_18",
                                      "meeting_summons_regular", "meeting_summons_urgent", "meeting_summons_next_day",
                                      "held_notice_review"])
def test_staff_messages_carry_a_link_and_no_case_details(template):
    message = Templates().render(template, {"link": "https://infohus.test/cases/42", "reference": "AB12",
                                            "due_at": (NOW + timedelta(days=2)).isoformat()})
    assert "https://infohus.test/cases/42" in message.text
    assert "ingen oplysninger om sagen" in message.text
    assert message.subject and "{" not in message.text


def test_compliance_staff_can_replace_a_template(tmp_path):
    (tmp_path / "follow_up_reminder.j2").write_text(
        "{% block subject %}Husk opfølgning{% endblock %}{% block body %}Se {{ link }}{% endblock %}")
    templates = Templates(tmp_path)
    assert templates.render("follow_up_reminder", {"link": "L"}).text == "Se L\n"
    assert templates.render("follow_up_overdue", {"link": "L", "reference": "R"}).subject.startswith("Overskredet")


def test_templates_run_in_the_sandbox(tmp_path):
    from jinja2.exceptions import SecurityError

    (tmp_path / "follow_up_reminder.j2").write_text(
        "{% block subject %}x{% endblock %}{% block body %}{{ link.__class__.__mro__ }}{% endblock %}")
    with pytest.raises(SecurityError):
        Templates(tmp_path).render("follow_up_reminder", {"link": "L"})


def test_danish_dates_and_html_blocks():
    assert dato("2026-06-01T08:30:00+00:00") == "1. juni 2026 kl. 10.30"  # summer time
    assert dato(NOW, time=False) == "23. november 2026"
    blocks = html_blocks("Overskrift\n- a\n- b\n\nEn linje.")
    assert blocks[0]["heading"] == "Overskrift" and blocks[0]["entries"] == ["a", "b"]


def test_backoff_is_exponential_and_capped():
    assert [backoff_seconds(n, 1.0, 5.0) for n in (1, 2, 3, 4)] == [1.0, 2.0, 4.0, 5.0]


def test_partner_configuration(tmp_path, monkeypatch):
    monkeypatch.setenv("SBSYS_SECRET", "s" * 20)
    path = tmp_path / "partners.json"
    path.write_text(json.dumps({"partners": [
        {"id": "sbsys", "event_types": ["dk.infohus.network.aggregate.v1"],
         "webhook": {"url": "https://partner.test/hook", "secret_env": "SBSYS_SECRET"}, "kafka": True}]}))
    [partner] = load_partners(path)
    assert partner.topic == "infohus.partner.sbsys.v1" and partner.webhook_secret == "s" * 20
    assert "secret" not in json.dumps(partner.public()).replace("secret_env", "")
    path.write_text(json.dumps({"partners": [{"id": "Bad Id", "event_types": []}]}))
    with pytest.raises(ConfigError):
        load_partners(path)
    monkeypatch.delenv("SBSYS_SECRET")
    path.write_text(json.dumps({"partners": [{"id": "x", "event_types": [],
                                              "webhook": {"url": "https://p.test", "secret_env": "SBSYS_SECRET"}}]}))
    with pytest.raises(ConfigError, match="not set"):
        load_partners(path)
    assert Partner("y", ()).kafka is False
