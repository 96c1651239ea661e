"""Notify's use cases over a per-test SQLite database, with a fake policy and fake channels: what a request
queues, what a held notice does not, what a denied share leaves behind, and what partners and reviews get."""

import base64
import os
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any
from uuid import uuid4

import pytest
from sqlmodel import select

from fakes import FakePolicy, service_runtime
from infohus_contracts.base.aggregates import AggregateReport
from infohus_contracts.base.summons import MeetingSummonsRequested
from infohus_contracts.case.notifications import NotificationRequested, RecipientKind, seal_addressing
from infohus_notify.channels import ChannelError, Channels
from infohus_notify.config import Partner
from infohus_notify.domain import (
    CANCELLED,
    DEAD_LETTERED,
    DENIED,
    EMAIL,
    IN_APP,
    KAFKA,
    QUEUED,
    SENT,
    WEBHOOK,
    StaffMember,
)
from infohus_notify.metrics import NotifyMetrics
from infohus_notify.rendering import RenderedMessage, Templates
from infohus_notify.service.context import Context
from infohus_notify.service.deliveries import DeliveryAttempts, requeue
from infohus_notify.service.messages import MessageDeliveries
from infohus_notify.service.notices import (
    hold_notice,
    network_summons,
    receive_summons,
    record_request,
    release_notice,
)
from infohus_notify.service.partners import PartnerDeliveries, queue_partner_events, wanted_by_a_partner
from infohus_notify.service.reviews import queue_review_reminders
from infohus_notify.service.scope import Scope
from infohus_notify.settings import NotifySettings
from infohus_notify.storage import TABLES, Delivery, Notification, NotificationRepository
from infohus_platform.audit.processing_log import ProcessingLogEntry
from infohus_platform.errors import Conflict, NotFound
from infohus_platform.policy import ShareDecision
from infohus_platform.runtime import Runtime

NOW = datetime.now(UTC)
KEY = os.urandom(32)
AGGREGATE = "dk.infohus.network.aggregate.v1"
STAFF = [
    StaffMember("u-ssp-820", ("ssp_coordinator",), "ssp@kommune.test", "820"),
    StaffMember("u-reg-820", ("registration_coordinator",), "reg@kommune.test", "820"),
    StaffMember("u-ssp-851", ("ssp_coordinator",), "ssp@aalborg.test", "851"),
]
PARTNERS = [Partner("stats", (AGGREGATE,), webhook_url="https://partner.test/hook", webhook_secret="s" * 20,
                    kafka=True)]


@dataclass
class FakeEmail:
    sent: list[tuple[str, str, RenderedMessage]] = field(default_factory=list)
    failing: bool = False

    async def send(self, delivery_id: str, to: str, message: RenderedMessage) -> None:
        if self.failing:
            raise ChannelError("smtp: ConnectionRefusedError")
        self.sent.append((delivery_id, to, message))


class FakeWebhooks:
    def __init__(self) -> None:
        self.posted: list[tuple[str, bytes]] = []

    async def start(self) -> None: ...

    async def close(self) -> None: ...

    async def post(self, url: str, secret: str, body: bytes, *, delivery_id: str, event_type: str,
                   content_type: str = "application/cloudevents+json") -> None:
        self.posted.append((url, body))


class FakeDigitalPost:
    async def send(self, letter) -> str:
        raise AssertionError("no letter is expected in these tests")


@dataclass
class Notify:
    runtime: Runtime
    ctx: Context
    policy: FakePolicy
    email: FakeEmail
    webhooks: FakeWebhooks
    attempts: DeliveryAttempts
    woken: list[bool] = field(default_factory=list)

    def session(self):
        return self.runtime.db.session()

    def wake(self) -> None:
        self.woken.append(True)


@pytest.fixture
async def notify(tmp_path) -> Notify:
    settings = NotifySettings(infohus_org="kommune-820", infohus_addressing_key=base64.urlsafe_b64encode(KEY).decode(),
                              notify_max_attempts=2, notify_backoff_seconds=0.001, notify_backoff_max_seconds=0.001,
                              infohus_data_dir=tmp_path)
    # Every field previewed is shared; the share is decided by ``allow_share``.
    policy = FakePolicy(
        shared=ShareDecision(True, legal_basis=["test basis"], decision_id="decision-1", policy_version="v1"),
        refused=ShareDecision(False, reasons=["not to this recipient"], decision_id="decision-2", policy_version="v1"),
        only=("preview", "share", "data"))
    email, webhooks, metrics = FakeEmail(), FakeWebhooks(), NotifyMetrics()
    async for runtime in service_runtime(settings, TABLES, policy=policy, metrics=metrics):
        ctx = Context(settings, staff=STAFF, partners=PARTNERS)
        channels = Channels(email=email, digital_post=FakeDigitalPost(), webhooks=webhooks)
        attempts = DeliveryAttempts(runtime, ctx, MessageDeliveries(runtime, ctx, Templates(), channels, metrics),
                                    PartnerDeliveries(runtime, ctx, channels, metrics), metrics)
        yield Notify(runtime, ctx, policy, email, webhooks, attempts)


def reminder(**overrides) -> NotificationRequested:
    base = dict(notification_id=uuid4(), concern_id=uuid4(), municipality_code="820", kind="follow_up_reminder",
                requested_at=NOW, link_path="/cases/42", due_at=NOW + timedelta(days=3),
                recipients=[{"kind": "staff_role", "role": "ssp_coordinator"}])
    return NotificationRequested.model_validate(base | overrides)


def duty_to_inform(*, honour_conflict: bool = False) -> NotificationRequested:
    notification_id = uuid4()
    return NotificationRequested(
        notification_id=notification_id, concern_id=uuid4(), municipality_code="820", kind="duty_to_inform",
        honour_conflict=honour_conflict, requested_at=NOW,
        addressing=seal_addressing(notification_id, KEY, name="Åse Jørgensen", email="aase@borger.test"),
    )


async def record(notify: Notify, request: NotificationRequested) -> list[Delivery]:
    async with notify.session() as session:
        repo = NotificationRepository(session)
        assert await record_request(repo, notify.ctx, request)
        await session.commit()
        return await repo.deliveries(notification_id=str(request.notification_id))


async def claim_all(notify: Notify) -> list[str]:
    async with notify.session() as session:
        rows = await NotificationRepository(session).claim_due(datetime.now(UTC) + timedelta(seconds=1), 50,
                                                               datetime.now(UTC) + timedelta(minutes=5), False)
        await session.commit()
        return [row.delivery_id for row in rows]


async def delivery(notify: Notify, delivery_id: str) -> Delivery:
    async with notify.session() as session:
        found = await NotificationRepository(session).delivery(delivery_id)
        assert found is not None
        return found


# -- recording requests ---------------------------------------------------------------------------


async def test_a_request_queues_one_delivery_per_local_staff_member_and_channel(notify):
    request = reminder()
    queued = await record(notify, request)
    assert {(d.recipient_label, d.channel) for d in queued} == {("user:u-ssp-820", IN_APP), ("user:u-ssp-820", EMAIL)}
    assert {d.status for d in queued} == {QUEUED} and {d.template for d in queued} == {"follow_up_reminder"}
    assert {d.dedupe_key for d in queued} == {f"{request.notification_id}:notice:user:u-ssp-820:{c}"
                                              for c in (IN_APP, EMAIL)}
    async with notify.session() as session:  # the same request again: nothing new
        repo = NotificationRepository(session)
        assert await record_request(repo, notify.ctx, request) is False
        assert len(await repo.deliveries(notification_id=str(request.notification_id))) == 2


async def test_a_citizens_notice_goes_to_the_address_it_holds_with_no_address_in_the_delivery(notify):
    [queued] = await record(notify, duty_to_inform())
    assert (queued.recipient_label, queued.channel, queued.recipient) == ("data_subject", EMAIL,
                                                                          {"kind": "data_subject"})
    async with notify.session() as session:
        notification = await NotificationRepository(session).get(queued.notification_id)
    assert notification is not None and notification.status == "recorded"
    assert "aase@borger.test" not in str(notification.request) and "addressing" not in notification.request


async def test_a_held_honour_conflict_notice_queues_nothing(notify):
    request = duty_to_inform(honour_conflict=True)
    assert await record(notify, request) == []
    async with notify.session() as session:
        notification = await NotificationRepository(session).get(str(request.notification_id))
    assert notification is not None and notification.status == "held"
    assert notification.review_on == datetime.now(UTC).date() + timedelta(days=14)
    assert notification.decided_by == "notify (automatic)" and "§ 18 stk. 3" in notification.status_reason


def test_a_network_summons_becomes_e_mails_to_the_meeting_participants():
    summons = MeetingSummonsRequested(
        notification_id=uuid4(), police_district="nordjylland", meeting_id=uuid4(),
        starts_at=NOW + timedelta(days=10), meeting_urgency="regular", requested_at=NOW,
        link_path="/network/meetings/1",
        participants=[{"email": "a@kommune.test"}, {"email": "b@politi.test"}],
    )
    request = network_summons(summons)
    assert request.kind == "meeting_summons" and request.concern_id is None and request.network_meeting
    assert [r.kind for r in request.recipients] == [RecipientKind.MEETING_PARTICIPANT] * 2
    assert [r.email for r in request.recipients] == ["a@kommune.test", "b@politi.test"]
    assert (request.due_at, request.meeting_id, request.link_path) == (summons.starts_at, summons.meeting_id,
                                                                       "/network/meetings/1")


async def test_a_recorded_network_summons_queues_one_e_mail_per_participant(notify):
    summons = MeetingSummonsRequested(
        notification_id=uuid4(), police_district="nordjylland", meeting_id=uuid4(),
        starts_at=NOW + timedelta(days=10), meeting_urgency="regular", requested_at=NOW,
        link_path="/network/meetings/1", participants=[{"email": "a@kommune.test"}, {"email": "b@politi.test"}],
    )
    async with notify.session() as session:
        repo = NotificationRepository(session)
        assert await receive_summons(repo, notify.ctx, summons)
        await session.commit()
        queued = await repo.deliveries(notification_id=str(summons.notification_id))
    assert sorted(d.recipient["email"] for d in queued) == ["a@kommune.test", "b@politi.test"]
    assert {d.channel for d in queued} == {EMAIL} and {d.template for d in queued} == {"meeting_summons_regular"}
    assert all(d.recipient_label.startswith("participant:") and "@" not in d.recipient_label for d in queued)


# -- sending ----------------------------------------------------------------------------------


async def test_a_message_whose_share_policy_denies_is_recorded_as_denied_and_nothing_is_sent(notify):
    notify.policy.allow_share = False
    request = reminder()
    await record(notify, request)
    claimed = await claim_all(notify)
    assert [await notify.attempts.process(delivery_id) for delivery_id in claimed] == [DENIED, DENIED]
    assert notify.email.sent == []
    for delivery_id in claimed:
        denied = await delivery(notify, delivery_id)
        assert denied.deny_reasons == ["not to this recipient"] and denied.decision_id == "decision-2"
        assert denied.attempts == 0
    async with notify.session() as session:
        assert (await NotificationRepository(session).inbox("u-ssp-820", [])) == []
        logged = (await session.exec(select(ProcessingLogEntry))).all()
    assert [e.outcome for e in logged] == ["denied", "denied"]
    assert {e.subject_ref for e in logged} == {str(request.concern_id)}


async def test_an_allowed_message_is_rendered_and_sent_with_the_fields_policy_allowed(notify):
    request = reminder()
    await record(notify, request)
    results = {(await delivery(notify, d)).channel: await notify.attempts.process(d) for d in await claim_all(notify)}
    assert results == {IN_APP: SENT, EMAIL: SENT}
    [(delivery_id, to, message)] = notify.email.sent
    assert to == "ssp@kommune.test" and "http://127.0.0.1:8000/cases/42" in message.text
    sent = await delivery(notify, delivery_id)
    assert sent.attempts == 1 and sent.sent_at is not None and sent.legal_basis == ["test basis"]
    assert set(sent.shared_fields) == {"reference", "due_at", "link_path"} and sent.withheld_fields == []
    assert notify.policy.questions("share")[0]["recipient"] == {"kind": "internal", "org": "kommune-820",
                                                    "role": "ssp_coordinator"}
    async with notify.session() as session:
        [item] = await NotificationRepository(session).inbox("u-ssp-820", [])
    assert item.link == "http://127.0.0.1:8000/cases/42" and item.kind == "follow_up_reminder"


async def test_a_channel_that_keeps_failing_is_retried_then_dead_lettered(notify):
    notify.email.failing = True
    await record(notify, reminder())
    claimed = await claim_all(notify)
    [email_id] = [d for d in claimed if (await delivery(notify, d)).channel == EMAIL]
    assert await notify.attempts.process(email_id) == DEAD_LETTERED
    dead = await delivery(notify, email_id)
    assert dead.attempts == 2 and dead.last_error == "smtp: ConnectionRefusedError"
    async with notify.session() as session:
        statuses = [e.status for e in await NotificationRepository(session).log_of(email_id)]
    assert statuses.count("failed") == 2 and statuses.count("retried") == 1 and statuses[-1] == DEAD_LETTERED
    assert notify.runtime.metrics.dead_lettered.labels(EMAIL)._value.get() == 1  # type: ignore[attr-defined]


async def test_a_dead_lettered_delivery_is_queued_again_by_hand_and_nothing_else_is(notify):
    notify.email.failing = True
    await record(notify, reminder())
    claimed = await claim_all(notify)
    [email_id] = [d for d in claimed if (await delivery(notify, d)).channel == EMAIL]
    await notify.attempts.process(email_id)
    again = await requeue(notify.runtime, notify.ctx, EVERYTHING, email_id, by="u-dpo")
    assert (again.status, again.status_reason, again.max_attempts) == (QUEUED, "requeued by u-dpo", 4)
    with pytest.raises(Conflict, match="a delivery in status 'queued' is not retried by hand"):
        await requeue(notify.runtime, notify.ctx, EVERYTHING, email_id, by="u-dpo")
    with pytest.raises(NotFound) as missing:
        await requeue(notify.runtime, notify.ctx, EVERYTHING, str(uuid4()), by="u-dpo")
    assert missing.value.detail == "no such delivery"


# -- holding and releasing ------------------------------------------------------------------------


EVERYTHING = Scope(None, None)  # the controller's compliance officer
IN_820 = Scope(["820"], "nordjylland")
IN_851 = Scope(["851"], "nordjylland")


@dataclass
class FakeGuard:
    """The platform's Guard as a use case sees it: who acts, and every check it was asked."""

    principal: Any = field(default_factory=lambda: type("P", (), {"user_id": "u-reg-820"})())
    checked: list[tuple[str, dict]] = field(default_factory=list)

    async def require(self, action: str, resource: dict, **kwargs: Any) -> None:
        self.checked.append((action, resource))


async def test_holding_a_recorded_notice_cancels_its_queued_delivery(notify):
    request = duty_to_inform()
    [first] = await record(notify, request)
    guard = FakeGuard()
    held = await hold_notice(notify.runtime, guard, EVERYTHING, str(request.notification_id),
                             reason="risk assessment first", basis="GDPR art. 14(5)(b)", review_on=date(2027, 1, 4))
    assert held.notification.status == "held" and held.deliveries == {CANCELLED: 1}
    assert held.notification.exemption_basis == "GDPR art. 14(5)(b)" and held.notification.decided_by == "u-reg-820"
    assert guard.checked == [("notification.manage", guard.checked[0][1])]
    assert guard.checked[0][1]["municipality_code"] == "820"
    assert (await delivery(notify, first.delivery_id)).status == CANCELLED
    with pytest.raises(NotFound) as missing:
        await hold_notice(notify.runtime, guard, EVERYTHING, str(uuid4()), reason="no such notice here", basis=None,
                          review_on=None)
    assert missing.value.detail == "no such notification"


async def test_releasing_a_held_honour_conflict_notice_queues_it_and_wakes_the_dispatcher(notify):
    request = duty_to_inform(honour_conflict=True)
    await record(notify, request)
    guard = FakeGuard()
    released = await release_notice(notify.runtime, notify.ctx, guard, EVERYTHING, str(request.notification_id),
                                    reason="risk assessment done", wake=notify.wake)
    assert released.notification.status == "recorded" and released.deliveries == {QUEUED: 1}
    assert released.notification.status_reason == "released: risk assessment done" and notify.woken == [True]
    with pytest.raises(Conflict, match="only a held notice can be released"):
        await release_notice(notify.runtime, notify.ctx, guard, EVERYTHING, str(request.notification_id),
                             reason="once more, please", wake=notify.wake)


async def test_a_held_notice_due_for_review_reminds_the_local_registration_coordinators_once(notify):
    request = duty_to_inform(honour_conflict=True)
    await record(notify, request)
    async with notify.session() as session:
        repo = NotificationRepository(session)
        notification = await repo.get(str(request.notification_id))
        assert notification is not None
        notification.review_on = datetime.now(UTC).date()
        await session.commit()
        today = datetime.now(UTC).date()
        assert await queue_review_reminders(repo, notify.ctx, today) == 1
        await session.commit()
        assert await queue_review_reminders(repo, notify.ctx, today) == 0  # reminded already
        queued = await repo.deliveries(notification_id=str(request.notification_id))
    assert {(d.recipient_label, d.channel) for d in queued} == {("user:u-reg-820", IN_APP), ("user:u-reg-820", EMAIL)}
    assert {d.template for d in queued} == {"held_notice_review"}


# -- partners ---------------------------------------------------------------------------------


def aggregate() -> AggregateReport:
    return AggregateReport(report_id=uuid4(), municipality_code="820", period="2026-11", metric="concerns_received",
                           count=7, suppressed=False, k=5, computed_at=NOW)


async def test_an_event_a_partner_subscribed_to_is_queued_per_channel_with_what_opa_checks(notify):
    assert wanted_by_a_partner(notify.ctx, {"ce_type": AGGREGATE})
    assert not wanted_by_a_partner(notify.ctx, {"ce_type": "dk.infohus.notify.requested.v1"})
    headers = {"ce_id": "e-1", "ce_type": AGGREGATE, "content-type": "application/json", "x-other": "dropped"}
    async with notify.session() as session:
        repo = NotificationRepository(session)
        count = await queue_partner_events(repo, notify.ctx, event_type=AGGREGATE, event_id="e-1", headers=headers,
                                           body=aggregate())
        again = await queue_partner_events(repo, notify.ctx, event_type=AGGREGATE, event_id="e-1", headers=headers,
                                           body=aggregate())
        other = await queue_partner_events(repo, notify.ctx, event_type="dk.infohus.other.v1", event_id="e-2",
                                           headers=headers, body=aggregate())
        await session.commit()
        queued = await repo.deliveries(partner_id="stats")
    assert (count, again, other) == (2, 0, 0)
    assert {d.channel for d in queued} == {WEBHOOK, KAFKA}
    payload = queued[0].payload or {}
    assert payload["aggregate"] == {"cells": [{"count": 7, "suppressed": False}]}
    assert "x-other" not in payload["headers"] and payload["body"]["count"] == 7


async def test_a_partner_event_policy_refuses_is_denied_and_not_posted(notify):
    notify.policy.allow_share = False
    async with notify.session() as session:
        await queue_partner_events(NotificationRepository(session), notify.ctx, event_type=AGGREGATE,
                                   event_id="e-3", headers={"ce_id": "e-3"}, body=aggregate())
        await session.commit()
    results = [await notify.attempts.process(d) for d in await claim_all(notify)]
    assert results == [DENIED, DENIED] and notify.webhooks.posted == []
    assert notify.policy.questions("share")[0]["recipient"]["kind"] == "partner_system"


async def test_an_allowed_partner_event_is_posted_as_a_cloudevent_to_the_webhook(notify):
    async with notify.session() as session:
        await queue_partner_events(NotificationRepository(session), notify.ctx, event_type=AGGREGATE,
                                   event_id="e-4", headers={"ce_id": "e-4", "ce_type": AGGREGATE}, body=aggregate())
        await session.commit()
    by_channel = {(await delivery(notify, d)).channel: d for d in await claim_all(notify)}
    assert await notify.attempts.process(by_channel[WEBHOOK]) == SENT
    [(url, body)] = notify.webhooks.posted
    assert url == "https://partner.test/hook" and b'"id":"e-4"' in body and b'"count":7' in body
    # No Kafka publisher for this partner here: the attempt fails and is retried (then dead-lettered).
    assert await notify.attempts.process(by_channel[KAFKA]) == DEAD_LETTERED


# -- scope: another municipality's notices answer like unknown ones (issue 12) ---------------------


def network_meeting(district: str) -> NotificationRequested:
    return NotificationRequested(
        notification_id=uuid4(), kind="meeting_summons", police_district=district, meeting_id=uuid4(),
        meeting_urgency="regular", due_at=NOW + timedelta(days=20), requested_at=NOW,
        recipients=[{"kind": "staff_role", "role": "police_coordinator"}],
    )


async def test_the_inbox_and_the_log_show_only_the_notices_within_the_scope(notify):
    police = [{"kind": "staff_role", "role": "police_coordinator"}]  # nobody in the directory: the role's inbox
    ours, theirs = reminder(recipients=police), reminder(municipality_code="851", recipients=police)
    fyn, nordjylland = network_meeting("fyn"), network_meeting("nordjylland")
    for request in (ours, theirs, fyn, nordjylland):
        await record(notify, request)
    for delivery_id in await claim_all(notify):
        await notify.attempts.process(delivery_id)

    async def inbox(scope: Scope, roles: list[str]) -> set[str]:
        async with notify.session() as session:
            items = await NotificationRepository(session).inbox(None, roles, within=scope.within())
            return {(await delivery(notify, i.item_id)).notification_id or "" for i in items}

    async def log(scope: Scope) -> set[str]:
        async with notify.session() as session:
            rows = await NotificationRepository(session).deliveries(within=scope.within())
            return {d.notification_id or "" for d in rows}

    ids = {name: str(r.notification_id) for name, r in
           {"820": ours, "851": theirs, "fyn": fyn, "nj": nordjylland}.items()}
    assert await inbox(IN_820, ["police_coordinator"]) == {ids["820"], ids["nj"]}
    assert await inbox(IN_851, ["police_coordinator"]) == {ids["851"], ids["nj"]}
    assert await inbox(Scope(["820", "851"], "nordjylland"), ["police_coordinator"]) == {ids["820"], ids["851"],
                                                                                        ids["nj"]}
    assert await inbox(Scope([], "fyn"), ["police_coordinator"]) == {ids["fyn"]}
    assert await inbox(Scope([], None), ["police_coordinator"]) == set()
    assert await log(IN_820) == {ids["820"], ids["nj"]}
    assert await log(EVERYTHING) == set(ids.values())


async def test_a_notice_outside_the_scope_is_held_and_queued_like_an_unknown_one(notify):
    request = reminder(municipality_code="851")
    first, *_ = await record(notify, request)
    guard = FakeGuard()
    with pytest.raises(NotFound) as hidden:
        await hold_notice(notify.runtime, guard, IN_820, str(request.notification_id), reason="not ours to hold",
                          basis=None, review_on=None)
    assert hidden.value.detail == "no such notification" and guard.checked == []
    with pytest.raises(NotFound):
        await requeue(notify.runtime, notify.ctx, IN_820, first.delivery_id, by="u-ssp-820")
    assert (await delivery(notify, first.delivery_id)).status == QUEUED


def test_a_scope_sees_its_municipalities_and_its_districts_network_meetings():
    def notice(code: str | None, district: str | None = None) -> Notification:
        return Notification(notification_id="n", municipality_code=code, kind="k", recipient="r", channel="",
                            status="recorded", created_at=NOW, request={"police_district": district})

    assert IN_820.sees(notice("820")) and not IN_820.sees(notice("851"))
    assert IN_820.sees(notice(None, "nordjylland")) and not IN_820.sees(notice(None, "fyn"))
    assert not IN_820.sees(None)  # a partner's delivery: the whole record only
    assert EVERYTHING.sees(notice("851")) and EVERYTHING.sees(None)
    assert not Scope([], None).sees(notice(None, None))
