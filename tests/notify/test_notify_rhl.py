"""A police district's notify (INFOHUS_REGIME=rhl): the duty to inform under retshåndhævelsesloven.

No letter goes out without a person's decision (the strict choice of policy ``unresolved.rhl_duty_to_inform``,
LEGAL.md §9 and Q10), and the letter that goes out after the release cites retshåndhævelsesloven, never GDPR
art. 14 or databeskyttelsesloven § 22. The municipality's letter stays as it was.
"""

import base64
import json
import os
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from uuid import uuid4

import pytest

from fakes import FakePolicy, service_runtime
from infohus_contracts.case.notifications import NotificationRequested, seal_addressing
from infohus_notify.channels import Channels
from infohus_notify.domain import (
    HONOUR_HOLD_REASON,
    RHL_HOLD_REASON,
    SENT,
    StaffMember,
    held_review_on,
    initial_status,
    letter_template,
    retention_months,
)
from infohus_notify.metrics import NotifyMetrics
from infohus_notify.rendering import RenderedMessage, Templates
from infohus_notify.service.context import Context
from infohus_notify.service.deliveries import DeliveryAttempts
from infohus_notify.service.messages import MessageDeliveries
from infohus_notify.service.notices import record_request, release_notice, template_for
from infohus_notify.service.partners import PartnerDeliveries
from infohus_notify.service.reviews import queue_review_reminders
from infohus_notify.service.scope import Scope
from infohus_notify.settings import NotifySettings
from infohus_notify.storage import TABLES, NotificationRepository
from infohus_platform.policy import ShareDecision, SharePreview

ROOT = Path(__file__).resolve().parents[2]
CONFIG = json.loads((ROOT / "policies/infohus/config/data.json").read_text())
NOTICE, RETENTION = CONFIG["notice"], CONFIG["retention"]
NOW = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
KEY = os.urandom(32)

# What a letter under the GDPR says and a police letter must not.
MUNICIPAL_LAW = ("artikel 14", "artikel 15", "Databeskyttelseslovens", "databeskyttelseslovens § 22",
                 "artikel 6, stk. 1, litra e")


def duty_to_inform(*, honour_conflict: bool = False, **overrides: Any) -> NotificationRequested:
    notification_id = uuid4()
    return NotificationRequested(
        notification_id=notification_id, concern_id=uuid4(), municipality_code="820", kind="duty_to_inform",
        honour_conflict=honour_conflict, requested_at=NOW,
        addressing=seal_addressing(notification_id, KEY, name="Åse Jørgensen", email="aase@borger.test"),
        **overrides,
    )


# -- the rules, without I/O -----------------------------------------------------------------------


def test_under_rhl_a_duty_to_inform_notice_is_held_for_a_decision():
    assert initial_status(duty_to_inform(), "rhl") == ("held", RHL_HOLD_REASON)
    assert "retshåndhævelsesloven" in RHL_HOLD_REASON and "unresolved.rhl_duty_to_inform" in RHL_HOLD_REASON
    assert initial_status(duty_to_inform(), "gdpr") == ("recorded", None)
    assert initial_status(duty_to_inform()) == ("recorded", None)  # the municipality is the default


def test_under_rhl_an_honour_related_notice_carries_both_reasons():
    status, reason = initial_status(duty_to_inform(honour_conflict=True), "rhl")
    assert status == "held" and reason == f"{RHL_HOLD_REASON}; {HONOUR_HOLD_REASON}"
    assert initial_status(duty_to_inform(honour_conflict=True), "gdpr") == ("held", HONOUR_HOLD_REASON)


def test_under_rhl_staff_messages_are_not_held():
    reminder = NotificationRequested.model_validate(
        {"notification_id": uuid4(), "concern_id": uuid4(), "municipality_code": "820", "kind": "follow_up_reminder",
         "requested_at": NOW, "recipients": [{"kind": "staff_role", "role": "ssp_coordinator"}]})
    assert initial_status(reminder, "rhl") == ("recorded", None)
    assert template_for(reminder, "rhl") == "follow_up_reminder"


def test_a_police_hold_is_reviewed_at_once_an_honour_hold_after_its_period():
    today = NOW.date()
    assert held_review_on(today, "rhl", 14) == today
    assert held_review_on(today, "gdpr", 14) == today + timedelta(days=14)


def test_the_police_district_has_its_own_letter_template():
    assert letter_template("duty_to_inform", "rhl") == "duty_to_inform_rhl"
    assert letter_template("duty_to_inform", "gdpr") == "duty_to_inform"
    assert letter_template("handover_at_18", "rhl") == "handover_at_18"
    assert template_for(duty_to_inform(), "rhl") == "duty_to_inform_rhl"
    assert template_for(duty_to_inform()) == "duty_to_inform"


def test_the_letter_quotes_the_police_periods_the_schedule_applies():
    months = retention_months(RETENTION)
    rhl_rules = RETENTION["by_regime"]["rhl"]["outcome_rules"]
    assert months["by_regime"]["rhl"] == {
        "unfounded_months": RETENTION["rules"][rhl_rules["unfounded"]]["months"],
        "effort_months": RETENTION["rules"][rhl_rules["effort"]]["months"],
    }
    assert (months["unfounded_months"], months["effort_months"]) == (12, 24)  # the municipal ones, as before


def test_a_regime_rule_set_never_falls_back_to_the_municipal_rules():
    retention = {"rules": {"P1": {"months": 12}, "P2": {"months": 24}, "X1": {"months": 6}},
                 "outcome_rules": {"unfounded": "P1", "effort": "P2"},
                 "by_regime": {"rhl": {"outcome_rules": {"unfounded": "X1"}}, "other": {}}}
    months = retention_months(retention)
    assert months["by_regime"]["rhl"] == {"unfounded_months": 6, "effort_months": None}
    assert months["by_regime"]["other"] == {"unfounded_months": 12, "effort_months": 24}  # no rules of its own
    assert retention_months({})["by_regime"] == {}


# -- the letters -----------------------------------------------------------------------------------


def letter_context(regime: str, notice: dict[str, Any] = NOTICE, retention: dict[str, Any] = RETENTION) -> dict:
    """What notify's MessageDeliveries.context gives the template for the controller's regime."""
    controller = "Nordjyllands Politi" if regime == "rhl" else "Vesthimmerlands Kommune"
    return {"controller": controller, "municipality": "Vesthimmerland",
            "notice": notice | {"legal_basis": notice["legal_basis"][regime]},
            "retention": retention_months(retention), "controller_contact": "Ring til os.",
            "dpo_contact": "Skriv til DPO.", "name": "Åse Jørgensen", "reference": "AB12",
            "registered_at": NOW.isoformat()}


def render(regime: str, **kwargs: Any) -> RenderedMessage:
    return Templates().render(letter_template("duty_to_inform", regime), letter_context(regime, **kwargs))


def test_the_police_letter_cites_retshaandhaevelsesloven_in_danish():
    letter = render("rhl")
    assert letter.subject == "Orientering om politiets behandling af dine personoplysninger"
    rhl = NOTICE["by_regime"]["rhl"]
    for phrase in ("Kære Åse Jørgensen", "Nordjyllands Politi er dataansvarlig", "Retsplejelovens § 115",
                   "omfattet af retshåndhævelsesloven", "ikke af databeskyttelsesforordningen",
                   "Politiet har konkret besluttet", "12 måneder", "24 måneder", "ret til indsigt", "berigtiget",
                   "Klage til Datatilsynet", "23. november 2026 kl. 10.00", rhl["intro"], rhl["rights"],
                   rhl["complaint"], *NOTICE["legal_basis"]["rhl"]):
        assert phrase in letter.text, phrase
    for phrase in MUNICIPAL_LAW:
        assert phrase not in letter.text, phrase
    assert "<li>Retshåndhævelsesloven" in letter.html and 'lang="da"' in letter.html


def test_the_police_letter_quotes_the_police_periods():
    longer = json.loads(json.dumps(RETENTION))
    longer["rules"]["RHL-P1"]["months"] = 6
    letter = render("rhl", retention=longer)
    assert "senest 6 måneder efter, at sagen er afsluttet" in letter.text
    assert "senest 12 måneder" in render("gdpr", retention=longer).text  # the municipality's stays


def test_the_police_letter_fails_rather_than_go_out_without_its_texts():
    from jinja2 import UndefinedError

    bare = {k: v for k, v in NOTICE.items() if k != "by_regime"}
    with pytest.raises(UndefinedError):
        render("rhl", notice=bare)


def test_the_municipal_letter_is_unchanged_by_the_police_texts():
    """The GDPR letter renders byte for byte as it did before the police texts and rules were added."""
    without_rhl_notice = {k: v for k, v in NOTICE.items() if k != "by_regime"}
    without_rhl_retention = {k: v for k, v in RETENTION.items() if k != "by_regime"}
    before = Templates().render("duty_to_inform", letter_context("gdpr", without_rhl_notice) |
                                {"retention": {"unfounded_months": 12, "effort_months": 24}})
    after = render("gdpr")
    assert (after.subject, after.text, after.html) == (before.subject, before.text, before.html)
    assert render("gdpr", retention=without_rhl_retention).text == before.text
    assert "artikel 14" in after.text and "retshåndhævelsesloven" not in after.text


def test_the_police_texts_are_complete_and_cite_the_sources():
    rhl = NOTICE["by_regime"]["rhl"]
    assert {"subject", "intro", "rights", "complaint", "description"} <= set(rhl)
    assert all(isinstance(rhl[k], str) and rhl[k].strip() for k in ("subject", "intro", "rights", "complaint"))
    assert all(source in rhl["description"] for source in ("R5", "R15", "LEGAL.md §9", "unresolved.rhl_duty_to_inform"))
    unresolved = CONFIG["unresolved"]["rhl_duty_to_inform"]
    assert unresolved["allow"] is False and unresolved["question"].startswith("LEGAL.md §15 Q10")


# -- the use cases: held at arrival, released by a person, sent as the police letter -----------------


def share_every_field(input_data: dict[str, Any]) -> SharePreview:
    """The preview shares every field it is asked about (the letter's contents are not under test here)."""
    return SharePreview({"fields": [{"name": f["name"], "shared": True} for f in input_data.get("fields", [])]})


class FakeEmail:
    def __init__(self) -> None:
        self.sent: list[tuple[str, str, RenderedMessage]] = []

    async def send(self, delivery_id: str, to: str, message: RenderedMessage) -> None:
        self.sent.append((delivery_id, to, message))


class Unused:
    async def send(self, *args: Any) -> None:
        raise AssertionError("not expected here")

    async def post(self, *args: Any, **kwargs: Any) -> None:
        raise AssertionError("not expected here")


class Guard:
    principal = type("P", (), {"user_id": "u-reg-police"})()

    async def require(self, action: str, resource: dict, **kwargs: Any) -> None: ...


@pytest.fixture
async def police(tmp_path):
    settings = NotifySettings(infohus_org="politi-nordjylland", infohus_regime="rhl", infohus_municipalities="820",
                              infohus_addressing_key=base64.urlsafe_b64encode(KEY).decode(),
                              notify_controller_name="Nordjyllands Politi", citizen_channels=["email"],
                              infohus_data_dir=tmp_path)
    policy = FakePolicy(shared=ShareDecision(True, legal_basis=["retshåndhævelsesloven"], decision_id="d-1",
                                             policy_version="v1"),
                        preview=share_every_field, config={"notice": NOTICE, "retention": RETENTION},
                        only=("preview", "share", "data"))
    email, metrics = FakeEmail(), NotifyMetrics()
    async for runtime in service_runtime(settings, TABLES, policy=policy, metrics=metrics):
        ctx = Context(settings, staff=[StaffMember("u-reg-police", ("registration_coordinator",), None, "820")])
        channels = Channels(email=email, digital_post=Unused(), webhooks=Unused())
        attempts = DeliveryAttempts(runtime, ctx, MessageDeliveries(runtime, ctx, Templates(), channels, metrics),
                                    PartnerDeliveries(runtime, ctx, channels, metrics), metrics)
        yield runtime, ctx, policy, email, attempts


async def test_a_police_notice_waits_for_a_decision_then_goes_out_as_the_police_letter(police):
    runtime, ctx, policy, email, attempts = police
    request = duty_to_inform()
    async with runtime.db.session() as session:
        repo = NotificationRepository(session)
        assert await record_request(repo, ctx, request)
        await session.commit()
        notification = await repo.get(str(request.notification_id))
        assert notification is not None
        assert (notification.status, notification.status_reason) == ("held", RHL_HOLD_REASON)
        assert notification.decided_by == "notify (automatic)" and notification.review_on == datetime.now(UTC).date()
        assert await repo.deliveries(notification_id=str(request.notification_id)) == []  # nothing goes out
        # The registration coordinators are asked for the decision at once.
        assert await queue_review_reminders(repo, ctx, datetime.now(UTC).date()) == 1
        await session.commit()

    woken: list[bool] = []
    released = await release_notice(runtime, ctx, Guard(), Scope(None, None), str(request.notification_id),
                                    reason="Politiet har besluttet at orientere", wake=lambda: woken.append(True))
    assert released.notification.status == "recorded" and woken == [True]
    async with runtime.db.session() as session:
        [letter] = [d for d in await NotificationRepository(session).deliveries(
            notification_id=str(request.notification_id)) if d.purpose == "notice"]
    assert letter.template == "duty_to_inform_rhl"

    async with runtime.db.session() as session:  # the dispatcher claims what is due
        claimed = await NotificationRepository(session).claim_due(datetime.now(UTC) + timedelta(seconds=1), 50,
                                                                  datetime.now(UTC) + timedelta(minutes=5), False)
        await session.commit()
    assert [d.delivery_id for d in claimed if d.purpose == "notice"] == [letter.delivery_id]
    assert await attempts.process(letter.delivery_id) == SENT
    [(_, to, message)] = email.sent
    assert to == "aase@borger.test" and message.subject == NOTICE["by_regime"]["rhl"]["subject"]
    assert "Nordjyllands Politi er dataansvarlig" in message.text
    assert "omfattet af retshåndhævelsesloven" in message.text
    assert all(phrase not in message.text for phrase in MUNICIPAL_LAW)
    [share] = policy.questions("share")
    assert share["sender"] == {"service": "notify", "org": "politi-nordjylland", "regime": "rhl"}
    assert share["purpose"] == "duty_to_inform" and share["recipient"]["kind"] == "data_subject"
