"""The one family of errors a use case or a rule raises, and what each becomes over HTTP.

Pure exceptions, no framework: ``domain.py`` modules raise them too. ``service.build_app`` installs
one handler for the family; every answer has the same shape and never echoes a rejected value.
"""


class InfohusError(Exception):
    """Base of the family; ``status`` is the HTTP status the API answers with."""

    status = 500


class RuleViolation(InfohusError):
    """The request breaks a rule of the process: 422 with the field and the reason.

    ``error_type`` names the rule's family in the answer (``rule``, or e.g. ``free_text.cpr``).
    """

    status = 422

    def __init__(self, field: str, reason: str, error_type: str = "rule") -> None:
        super().__init__(reason)
        self.field = field
        self.reason = reason
        self.error_type = error_type


class TooLarge(RuleViolation):
    """The request's content is larger than allowed: 413."""

    status = 413


class UnsupportedType(RuleViolation):
    """The request's content is of a type that is not accepted: 415."""

    status = 415


class Conflict(InfohusError):
    """The thing exists but is in a state that does not allow this: 409 with a reason."""

    status = 409

    def __init__(self, detail: str) -> None:
        super().__init__(detail)
        self.detail = detail


class NotFound(InfohusError):
    """Nothing of that kind, or nothing this caller may know of: 404 ("no such <what>")."""

    status = 404

    def __init__(self, what: str, detail: str | None = None) -> None:
        super().__init__(what)
        self.what = what
        self.detail = detail or f"no such {what}"


class ShareRefused(InfohusError):
    """OPA did not allow a share: 403 with the policy's reasons."""

    status = 403

    def __init__(self, reasons: list[str], decision_id: str | None = None) -> None:
        super().__init__("; ".join(reasons))
        self.reasons = reasons
        self.decision_id = decision_id


class PolicyUnavailable(InfohusError):
    """OPA could not be asked. Nothing may leave; the caller retries later (503 over HTTP)."""

    status = 503


class MalformedEvent(InfohusError):
    """An event cannot be processed as it is; retrying will not help (dead-lettered)."""
