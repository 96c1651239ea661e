"""Case rules, no I/O."""

from datetime import datetime

from infohus_contracts.events import ConcernReceived, LeadRole

ADULT_AGE = 18


def lead_for(age: int | None) -> LeadRole:
    """Tovholder: the SSP coordinator under 18 (and while the age is unknown), local police from 18."""
    if age is not None and age >= ADULT_AGE:
        return LeadRole.LOCAL_POLICE
    return LeadRole.SSP_COORDINATOR


def age_at(concern: ConcernReceived, moment: datetime) -> int | None:
    return concern.person.age_on(moment.date())
