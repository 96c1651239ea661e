"""A member of a district (issue 13): which organisation is whose, and the one way assessment sends another
organisation a message (``stage_exchange``, in the caller's transaction). A stand-alone instance has no
``runtime.exchange``: every function here answers ``None`` or does nothing there."""

import base64
from typing import Any

from pydantic import BaseModel
from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from infohus_contracts.base.district import District, OrgKind
from infohus_contracts.base.exchange import ExchangeType
from infohus_platform.exchange.outbound import stage_exchange
from infohus_platform.exchange.receipts import ExchangeReceipt
from infohus_platform.messaging.outbox import OutboxMessage, Share
from infohus_platform.runtime import Runtime

from .. import domain
from ..schemas import ExchangeRecordPublic

TO_POLICE = "local_police"
TO_MUNICIPALITY = "municipal_infohus"


def district_of(runtime: Runtime) -> District | None:
    """The district this instance exchanges with, or ``None`` (stand-alone)."""
    return runtime.exchange.district if runtime.exchange is not None else None


def police_org(runtime: Runtime) -> str | None:
    """The district's police organisation, when this instance is another member (a municipality) of it."""
    district = district_of(runtime)
    org = district.org_of_kind(OrgKind.POLICE) if district is not None else None
    return org if org != runtime.settings.infohus_org else None


def is_police(runtime: Runtime) -> bool:
    district = district_of(runtime)
    return district is not None and district.kind_of(runtime.settings.infohus_org) is OrgKind.POLICE


def index_key(runtime: Runtime) -> bytes | None:
    """The district's key for the known-elsewhere index's pseudonyms (``DISTRICT_INDEX_KEY``)."""
    key = runtime.settings.district_index_key
    return base64.b64decode(key) if key and district_of(runtime) is not None else None


def municipality_for(runtime: Runtime, org: str) -> str | None:
    """The municipality a message to a municipality's instance is about (the share policy checks it is theirs)."""
    district = district_of(runtime)
    found = district.organisations.get(org) if district is not None else None
    return domain.municipality_of_org(org, found.municipalities) if found is not None else None


def send(session: AsyncSession, runtime: Runtime, *, recipient_org: str, message: ExchangeType, body: BaseModel,
         key: str, municipality_code: str, necessity: str, subject: str | None = None, age: int | None = None,
         case_stage: str | None = None, flags: dict[str, bool] | None = None) -> OutboxMessage:
    """Stage ``body`` for another organisation of the district: to the police as ``local_police``, to a
    municipality as ``municipal_infohus`` (of the subject's municipality), for prevention, with its necessity."""
    district = district_of(runtime)
    kind = TO_POLICE if district is not None and district.kind_of(recipient_org) is OrgKind.POLICE \
        else TO_MUNICIPALITY
    about: dict[str, Any] = {"municipality_code": municipality_code} | ({"age": age} if age is not None else {})
    share = Share.of(body, kind, "prevention", case_stage=case_stage, necessity_reason=necessity, subject=about,
                     flags=flags)
    return stage_exchange(session, runtime.settings, recipient_org=recipient_org, message=message, body=body,
                          key=key, share=share, subject=subject)


async def sent_record(session: AsyncSession, event_id: str | None) -> ExchangeRecordPublic | None:
    """What the outbox row of a sent message says: its status and the share decision the relay got."""
    if event_id is None:
        return None
    row = (await session.exec(select(OutboxMessage).where(OutboxMessage.event_id == event_id))).first()
    if row is None:
        return None
    return ExchangeRecordPublic(event_id=event_id, status=row.status, share_decision_id=row.decision_id,
                                policy_version=row.policy_version, legal_basis=list(row.legal_basis or []))


async def exchange_records(session: AsyncSession, sent_id: str | None,
                           receipt_id: str | None) -> dict[str, ExchangeRecordPublic | None]:
    """A request's two ends as its answer shows them: the message sent (``sent``) and the answer's receipt."""
    return {"sent": await sent_record(session, sent_id), "answer_receipt": await receipt_record(session, receipt_id)}


async def receipt_record(session: AsyncSession, event_id: str | None) -> ExchangeRecordPublic | None:
    """The receipt of an accepted message: the sender's share decision and this instance's accept decision."""
    if event_id is None:
        return None
    receipt = await session.get(ExchangeReceipt, event_id)
    if receipt is None:
        return None
    return ExchangeRecordPublic(event_id=event_id, status="accepted", share_decision_id=receipt.sender_decision_id,
                                accept_decision_id=receipt.decision_id, policy_version=receipt.policy_version,
                                legal_basis=list(receipt.legal_basis or []))
