"""The one family of errors a use case or a rule raises, and what each becomes over HTTP.

Pure exceptions, no framework: ``domain.py`` modules raise them too. ``problems.py`` answers each
member as RFC 9457 problem details (``problem`` names its type there); an answer never echoes a
rejected value.
"""


class InfohusError(Exception):
    """Base of the family; ``status`` is the HTTP status the API answers with."""

    status = 500
    problem = "internal-error"


class RuleViolation(InfohusError):
    """The request breaks a rule of the process: 422 with the field and the reason.

    ``error_type`` names the rule's family in the answer (``rule``, or e.g. ``free_text.cpr``).
    """

    status = 422
    problem = "invalid-request"

    def __init__(self, field: str, reason: str, error_type: str = "rule") -> None:
        super().__init__(reason)
        self.field = field
        self.reason = reason
        self.error_type = error_type


class TooLarge(RuleViolation):
    """The request's content is larger than allowed: 413."""

    status = 413
    problem = "too-large"


class UnsupportedType(RuleViolation):
    """The request's content is of a type that is not accepted: 415."""

    status = 415
    problem = "unsupported-type"


class Conflict(InfohusError):
    """The thing exists but is in a state that does not allow this: 409 with a reason."""

    status = 409
    problem = "conflict"

    def __init__(self, detail: str) -> None:
        super().__init__(detail)
        self.detail = detail


class NotFound(InfohusError):
    """Nothing of that kind, or nothing this caller may know of: 404 ("no such <what>")."""

    status = 404
    problem = "not-found"

    def __init__(self, what: str, detail: str | None = None) -> None:
        super().__init__(what)
        self.what = what
        self.detail = detail or f"no such {what}"


class Unauthenticated(InfohusError):
    """No valid bearer token: 401 with a ``WWW-Authenticate`` challenge."""

    status = 401
    problem = "unauthenticated"

    def __init__(self, detail: str, challenge: str = "Bearer") -> None:
        super().__init__(detail)
        self.detail = detail
        self.challenge = challenge


class AccessRefused(InfohusError):
    """The access policy did not allow the caller this: 403 with the policy's reasons."""

    status = 403
    problem = "access-refused"

    def __init__(self, reasons: list[str]) -> None:
        super().__init__("; ".join(reasons))
        self.reasons = reasons


class ShareRefused(InfohusError):
    """OPA did not allow a share: 403 with the policy's reasons."""

    status = 403
    problem = "share-refused"

    def __init__(self, reasons: list[str], decision_id: str | None = None) -> None:
        super().__init__("; ".join(reasons))
        self.reasons = reasons
        self.decision_id = decision_id


class DependencyUnavailable(InfohusError):
    """Something the service depends on cannot be reached right now: 503 with ``Retry-After``.

    Transient by nature: a consumer retries the event for as long as it takes (never dead-letters it).
    """

    status = 503
    problem = "dependency-unavailable"
    retry_after_seconds = 5
    detail = "a service this one depends on cannot be reached right now; nothing was done"

    def __init__(self, cause: str = "", detail: str | None = None) -> None:
        super().__init__(cause)  # the cause is for the log; ``detail`` is what the caller is told
        self.detail = detail or self.detail


class PolicyUnavailable(DependencyUnavailable):
    """OPA could not be asked. Nothing may leave; the caller retries later (503 over HTTP)."""

    problem = "policy-unavailable"
    detail = "the policy service cannot be asked right now; nothing was shared"


class DatabaseUnavailable(DependencyUnavailable):
    """The service's database cannot be reached (down, restarting, refusing connections). Nothing was
    done; the caller retries later (503 over HTTP)."""

    problem = "database-unavailable"
    detail = "the database cannot be reached right now; nothing was done"


class MalformedEvent(InfohusError):
    """An event cannot be processed as it is; retrying will not help (dead-lettered)."""
