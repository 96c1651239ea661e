"""Hand-over at 18 (tovholderskifte): the lead passes from SSP to local police."""

from datetime import date

from infohus_contracts.case.events import LeadChanged, LeadRole
from infohus_contracts.case.notifications import NotificationKind

from .. import domain
from ..storage import Case
from .case_steps import CaseWork, staff_role


async def hand_over_at_18(work: CaseWork, case: Case, today: date) -> bool:
    """The lead passes from SSP to local police when the person turns 18 while the case is open."""
    if not domain.hands_over_at_18(case.lead, case.birth_date, today):
        return False
    case.lead = LeadRole.LOCAL_POLICE.value
    work.session.add(case)
    work.stage(case, LeadChanged(**work.change(case, "system:schedules"), lead=LeadRole.LOCAL_POLICE,
                                 reason="the person turned 18"))
    work.notify(case.municipality_code, NotificationKind.HANDOVER_AT_18,
                [staff_role("police_coordinator"), staff_role("ssp_coordinator")], case=case)
    return True
