"""Notify rules, no I/O."""

from infohus_contracts.notifications import NotificationRequested

DIGITAL_POST = "digital_post"


def initial_status(request: NotificationRequested) -> tuple[str, str | None]:
    """Whether a notice may go out now.

    In honour-related conflicts nothing goes to the person's home before the risk assessment
    (Barnets Lov § 18, stk. 3), so the notice is held for a person to release.
    """
    if request.honour_conflict:
        return "held", "honour-related conflict: risk assessment before any contact"
    return "recorded", None
