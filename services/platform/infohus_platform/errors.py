"""Errors a domain raises that the HTTP layer turns into clear 4xx answers."""


class RuleViolation(Exception):
    """The request breaks a rule of the process: 422 with the field and the reason."""

    def __init__(self, field: str, reason: str) -> None:
        super().__init__(reason)
        self.field = field
        self.reason = reason


class ShareRefused(Exception):
    """OPA did not allow a share: 403 with the policy's reasons."""

    def __init__(self, reasons: list[str], decision_id: str | None = None) -> None:
        super().__init__("; ".join(reasons))
        self.reasons = reasons
        self.decision_id = decision_id
