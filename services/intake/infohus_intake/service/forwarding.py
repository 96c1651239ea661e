"""Forwarding (videresendelse): a concern for another municipality of the district goes to that municipality's
infohus over the district's exchange, and only the record of it stays here.

A stand-alone instance (``runtime.exchange`` is ``None``) forwards nothing: a concern for a municipality it
does not serve is refused (422, ``tenancy``). A member of a district forwards a concern for a municipality that
another municipality instance of the district serves, when the district agreed ``CONCERN_FORWARDED`` between
them; a municipality outside the district is still refused. The forwarded concern never becomes this
instance's: no ``CONCERN_RECEIVED``, no registration, no concern row; the reporter's identity is not sent.
"""

from sqlmodel.ext.asyncio.session import AsyncSession

from infohus_contracts.case.exchange import CONCERN_FORWARDED, ConcernForwarded
from infohus_platform.auth import Guard, resource
from infohus_platform.exchange.outbound import stage_exchange
from infohus_platform.messaging.outbox import Share
from infohus_platform.runtime import Runtime

from ..domain import forwarded
from ..schemas import ConcernCreate, ForwardingPublic
from ..storage import ConcernRepository, ForwardingRecord

FORWARDINGS_SHOWN = 500


def forwarding_target(runtime: Runtime, municipality_code: str | None) -> str | None:
    """The municipality organisation of the district a concern for ``municipality_code`` is forwarded to, or
    ``None`` (a stand-alone instance, a municipality this instance serves, one outside the district, or no
    agreement to forward concerns to that organisation)."""
    exchange = runtime.exchange
    if exchange is None or municipality_code is None or municipality_code in runtime.settings.municipalities:
        return None
    district, own = exchange.district, runtime.settings.infohus_org
    target = district.org_serving(municipality_code)
    if target is None or target == own or district.agreement(CONCERN_FORWARDED.type, own, target) is None:
        return None
    return target


def receiving_municipality(runtime: Runtime, guard: Guard) -> str:
    """The municipality, of those this instance serves, in whose name the caller takes a concern in."""
    own = guard.principal.municipality_code
    return own if own in runtime.settings.municipalities else sorted(runtime.settings.municipalities)[0]


def stage_forwarding(runtime: Runtime, session: AsyncSession, submission: ConcernCreate,
                     target: str) -> tuple[ConcernForwarded, ForwardingRecord]:
    """Stage the concern for ``target`` and add the forwarding record, in the caller's transaction."""
    settings = runtime.settings
    message = forwarded(submission, settings.infohus_org)
    concern = message.concern
    row = stage_exchange(
        session, settings, recipient_org=target, message=CONCERN_FORWARDED, body=message,
        key=str(concern.concern_id), subject=str(concern.concern_id),
        share=Share.of(
            message, recipient_kind="municipal_infohus", purpose="prevention", case_stage="received",
            necessity_reason=message.reason,
            subject={"age": concern.person.age_on(concern.received_at.date()),
                     "municipality_code": concern.municipality_code},
            flags=concern.flags.model_dump(),
        ),
    )
    record = ForwardingRecord(forwarding_id=str(message.forwarding_id), concern_id=str(concern.concern_id),
                              to_org=target, outbox_event_id=row.event_id)
    ConcernRepository(session).add_forwarding(record)
    return message, record


async def list_forwardings(runtime: Runtime, guard: Guard) -> list[ForwardingPublic]:
    """The concerns this instance forwarded, newest first: to whom and when, never what they said.

    A registration coordinator reads them as the registry's coordinator (``registration.list``), an SSP
    coordinator as the one who takes concerns in (``concern.create``); the policy decides either way."""
    action = "registration.list" if "registration_coordinator" in guard.principal.roles else "concern.create"
    await guard.require(action, resource("forwarding", receiving_municipality(runtime, guard)))
    async with runtime.db.session() as session:
        records = await ConcernRepository(session).forwardings(FORWARDINGS_SHOWN)
    return [ForwardingPublic.model_validate(record, from_attributes=True) for record in records]
