"""Whose notices a caller sees (issue 12): the access policy decides whether the caller may use a route at
all; this only scopes what a route then shows, like ``visible_municipalities`` does for the case lists.

A notice of a municipality is seen by the municipality's own staff and the police coordinators of its
district; a network meeting's (no municipality, a police district) by that district's members. An item the
caller may not see answers like an unknown one.
"""

from dataclasses import dataclass

from sqlalchemy import ColumnElement

from infohus_contracts.base.municipalities import police_district_of
from infohus_platform.auth import Guard, Principal, resource, visible_municipalities

from ..storage import Notification, notices_within


@dataclass(frozen=True)
class Scope:
    """``municipalities`` None: the controller's whole record (see ``records_scope``)."""

    municipalities: list[str] | None
    district: str | None

    def within(self) -> ColumnElement[bool] | None:
        """The same as a query condition (None: everything)."""
        return None if self.municipalities is None else notices_within(self.municipalities, self.district)

    def sees(self, notification: Notification | None) -> bool:
        if notification is None:
            return self.municipalities is None
        if self.municipalities is None:
            return True
        if notification.municipality_code is not None:
            return notification.municipality_code in self.municipalities
        district = notification.request.get("police_district")
        return district is not None and district == self.district


def district_of(principal: Principal) -> str | None:
    if principal.police_district:
        return principal.police_district
    return police_district_of(principal.municipality_code) if principal.municipality_code else None


def own_scope(principal: Principal) -> Scope:
    """The caller's own municipalities (a police coordinator: the district's) and police district."""
    return Scope(visible_municipalities(principal), district_of(principal))


async def records_scope(guard: Guard, action: str, kind: str) -> Scope:
    """What of the controller's records the caller sees, once the policy allowed the route.

    The policy is asked once more for a record of no municipality and no police district: only a role scoped
    to the controller alone (the controller's compliance officer) may act on that, and sees everything.
    """
    if (await guard.decide(action, resource(kind, None))).allow:
        return Scope(None, None)
    return own_scope(guard.principal)


def inbox_resource(principal: Principal, owner: str) -> dict:
    """The inbox the caller asks for, in the caller's own scope (the policy checks owner and roles)."""
    return resource("inbox", principal.municipality_code, police_district=district_of(principal),
                    authority=principal.authority, owner=owner)
