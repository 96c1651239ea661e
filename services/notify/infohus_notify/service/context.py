"""The configuration notify's use cases read: settings, the staff directory, the partner subscriptions."""

from dataclasses import dataclass, field

from infohus_contracts.case.notifications import addressing_key

from ..config import Partner
from ..domain import StaffMember
from ..settings import NotifySettings


@dataclass
class Context:
    """What the use cases need besides the database (loaded once at start)."""

    settings: NotifySettings
    staff: list[StaffMember] = field(default_factory=list)
    partners: list[Partner] = field(default_factory=list)

    def key(self) -> bytes:
        """The key that opens citizens' sealed addresses."""
        secret = self.settings.infohus_addressing_key
        return addressing_key(secret.get_secret_value() if secret else None)

    def staff_member(self, user_id: str | None) -> StaffMember | None:
        return next((m for m in self.staff if m.user_id == user_id), None)

    def partner(self, partner_id: str | None) -> Partner | None:
        return next((p for p in self.partners if p.id == partner_id), None)
