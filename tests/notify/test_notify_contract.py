"""The notification contract: kinds, recipients, the sealed address, the summons deadline."""

import os
from datetime import UTC, datetime, timedelta
from uuid import uuid4

import pytest
from pydantic import ValidationError

from infohus_contracts.base.classes import DataClass, classes_present
from infohus_contracts.case.notifications import (
    AddressingError,
    MeetingUrgency,
    NotificationKind,
    NotificationRequested,
    addressing_key,
    open_addressing,
    seal_addressing,
    summons_deadline,
)

NOW = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)


def request(**overrides) -> NotificationRequested:
    base = dict(notification_id=uuid4(), concern_id=uuid4(), municipality_code="820",
                kind="duty_to_inform", requested_at=NOW)
    return NotificationRequested.model_validate(base | overrides)


def test_the_first_published_form_is_still_read():
    legacy = request().model_dump(mode="json", exclude={"recipients"}) | {"recipient": "data_subject"}
    parsed = NotificationRequested.model_validate(legacy)
    assert [r.kind for r in parsed.recipients] == ["data_subject"]


def test_every_kind_the_issue_names_exists():
    assert {k.value for k in NotificationKind} == {
        "duty_to_inform", "meeting_summons", "follow_up_reminder", "follow_up_overdue", "enrichment_deadline",
        "leadership_effort_started", "leadership_approval_needed", "handover_at_18"}
    assert {u.value for u in MeetingUrgency} == {"regular", "urgent", "next_day"}


def test_staff_messages_go_to_staff_and_carry_ids_only():
    reminder = request(kind="follow_up_reminder", recipients=[{"kind": "staff_role", "role": "ssp_coordinator"}],
                       link_path="/cases/123", due_at=NOW + timedelta(days=3))
    assert classes_present(reminder) == {DataClass.PROCESS}
    with pytest.raises(ValidationError, match="never to the data subject"):
        request(kind="follow_up_reminder")
    with pytest.raises(ValidationError):
        request(kind="follow_up_reminder", recipients=[{"kind": "staff_role"}])  # no role
    with pytest.raises(ValidationError):
        request(kind="follow_up_reminder", recipients=[{"kind": "staff_role", "role": "ssp_coordinator"}],
                link_path="/cases/123?name=Åse")


def test_meeting_summons_needs_its_urgency_and_start():
    staff = [{"kind": "staff_user", "user_id": "u-ssp-820"}]
    with pytest.raises(ValidationError, match="meeting_urgency"):
        request(kind="meeting_summons", recipients=staff)
    summons = request(kind="meeting_summons", recipients=staff, meeting_urgency="urgent",
                      due_at=NOW + timedelta(days=2))
    assert summons.meeting_urgency == MeetingUrgency.URGENT and not summons.network_meeting


def test_participants_by_e_mail_only_for_network_meetings():
    participant = [{"kind": "meeting_participant", "email": "koordinator@kommune.test"}]
    network = request(kind="meeting_summons", concern_id=None, recipients=participant, meeting_urgency="regular",
                      due_at=NOW + timedelta(days=30))
    assert network.network_meeting
    assert DataClass.IDENTITY in classes_present(network)  # the address is personal data, and says so
    with pytest.raises(ValidationError, match="network meeting"):
        request(kind="meeting_summons", recipients=participant, meeting_urgency="regular", due_at=NOW)


def test_the_citizens_address_is_sealed_and_bound_to_its_notification():
    key = os.urandom(32)
    notification_id = uuid4()
    sealed = seal_addressing(notification_id, key, cpr="0101104234", name="Åse Jørgensen", email="aase@borger.test")
    assert "0101104234" not in sealed.model_dump_json() and "Åse" not in sealed.model_dump_json()
    assert open_addressing(sealed, notification_id, key) == {
        "cpr": "0101104234", "name": "Åse Jørgensen", "email": "aase@borger.test"}
    with pytest.raises(AddressingError, match="another notification"):
        open_addressing(sealed, uuid4(), key)
    with pytest.raises(AddressingError, match="does not hold"):
        open_addressing(sealed, notification_id, os.urandom(32))
    notice = request(notification_id=notification_id, addressing=sealed.model_dump())
    assert classes_present(notice) == {DataClass.PROCESS, DataClass.IDENTITY}


def test_addressing_key_must_be_32_bytes():
    with pytest.raises(AddressingError):
        addressing_key("")
    with pytest.raises(AddressingError, match="32 bytes"):
        addressing_key("c2hvcnQ=")


def test_summons_deadlines_follow_the_timing_rules():
    meeting = NOW + timedelta(days=3)
    assert summons_deadline(NOW, meeting, MeetingUrgency.URGENT) == NOW + timedelta(minutes=15)
    assert summons_deadline(NOW, NOW + timedelta(hours=20), MeetingUrgency.NEXT_DAY) == NOW + timedelta(minutes=15)
    assert summons_deadline(NOW, NOW + timedelta(minutes=5), MeetingUrgency.NEXT_DAY) == NOW + timedelta(minutes=5)
    assert summons_deadline(NOW, NOW + timedelta(days=30), MeetingUrgency.REGULAR) == NOW + timedelta(days=23)
    assert summons_deadline(NOW, meeting, MeetingUrgency.REGULAR) == NOW + timedelta(minutes=15)  # already late
