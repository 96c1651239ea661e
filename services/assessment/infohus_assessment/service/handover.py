"""Hand-over (tovholderskifte): the lead passes from SSP to local police at 18; in a district, on imminent risk
too, the police district takes the lead with a case of its own and the municipality notes who leads."""

import json
from datetime import date
from typing import Literal
from uuid import UUID, uuid4

from infohus_contracts.case.events import ConcernDetails, ConcernReceived, LeadChanged, LeadRole
from infohus_contracts.case.exchange import CASE_HANDED_OVER, CaseHandover
from infohus_contracts.case.notifications import NotificationKind
from infohus_platform.errors import RuleViolation
from infohus_platform.exchange.link import ExchangeDelivery
from infohus_platform.runtime import Runtime

from .. import domain
from ..domain import utcnow
from ..storage import Case
from .case_steps import CaseWork, staff_role
from .cases import open_case_for_concern
from .federation import police_org, send


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
    hand_over_to_police(work, case, "turned_18", case_stage=case.stage)
    return True


def hand_over_to_police(work: CaseWork, case: Case, reason: Literal["turned_18", "imminent_risk"], *,
                        case_stage: str | None, actor: str = "system:schedules") -> bool:
    """A member of a district hands the lead to its police district: the concern goes there (``CASE_HANDED_OVER``),
    the case stays here with lead local police and ``lead_org`` the police district. Stand-alone: nothing."""
    police = police_org(work.runtime)
    if police is None or case.lead_org is not None:
        return False
    if case.lead != LeadRole.LOCAL_POLICE.value:
        case.lead = LeadRole.LOCAL_POLICE.value
        work.stage(case, LeadChanged(**work.change(case, actor), lead=LeadRole.LOCAL_POLICE,
                                     reason=domain.HANDOVER_LEAD_CHANGE[reason]))
    case.lead_org = police
    work.session.add(case)
    body = CaseHandover(handover_id=uuid4(), origin_case_id=UUID(case.case_id), reason=reason,
                        handed_over_at=utcnow(), concern=ConcernDetails.model_validate_json(case.concern))
    send(work.session, work.runtime, recipient_org=police, message=CASE_HANDED_OVER, body=body,
         key=case.concern_id, municipality_code=case.municipality_code, necessity=domain.NECESSITY[reason],
         subject=case.concern_id, age=domain.age_on(case.birth_date, date.today()), case_stage=case_stage,
         flags={"honour_conflict": case.honour_conflict, "imminent_risk": reason == "imminent_risk"})
    return True


async def receive_handover(runtime: Runtime, delivery: ExchangeDelivery, handover: CaseHandover) -> Case:
    """The police district opens a case of its own for a handed-over concern, with lead local police and where it
    came from (organisation and their case id)."""
    concern = ConcernReceived.model_validate(json.loads(handover.concern.model_dump_json()))
    if concern.municipality_code not in runtime.settings.municipalities:
        raise RuleViolation("concern.municipality_code", "this instance does not serve that municipality")
    case = await open_case_for_concern(
        runtime, delivery.session, concern, lead=LeadRole.LOCAL_POLICE, actor=f"org:{delivery.sender_org}",
        origin={"origin": "handed_over", "origin_org": delivery.sender_org,
                "origin_case_id": str(handover.origin_case_id)})
    if case is None:
        raise RuleViolation("concern.concern_id", "this concern already has a case here, or was erased")
    delivery.subjects.append(case.concern_id)
    return case
