"""Notify's domain rules, without I/O."""

from datetime import UTC, datetime

from infohus_contracts.case.notifications import NotificationKind, NotificationRequested
from infohus_notify.domain import initial_status


def test_honour_related_notice_is_held():
    request = NotificationRequested(notification_id="00000000-0000-0000-0000-000000000001",
                                    concern_id="00000000-0000-0000-0000-000000000002", municipality_code="820",
                                    kind=NotificationKind.DUTY_TO_INFORM, honour_conflict=True,
                                    requested_at=datetime.now(UTC))
    assert initial_status(request)[0] == "held"
    assert initial_status(request.model_copy(update={"honour_conflict": False}))[0] == "recorded"
