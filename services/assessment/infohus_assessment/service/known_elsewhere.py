""""Known elsewhere?" (like the Dutch Verwijsindex), held by the police district's assessment: pseudonyms of CPR
numbers (keyed HMAC) and which organisation holds each, never content. A coordinator asks for a case; the answer
is hit or no hit and whom to contact; each holder is told, without content, that another organisation asked."""

import json
from datetime import datetime
from uuid import UUID, uuid4

from sqlalchemy import delete
from sqlmodel import col
from sqlmodel.ext.asyncio.session import AsyncSession

from infohus_contracts.case.exchange import (
    INDEX_ENTRY_REMOVED,
    INDEX_HIT_NOTIFIED,
    INDEX_LOOKUP_ANSWERED,
    INDEX_LOOKUP_REQUESTED,
    IndexEntryAdded,
    IndexEntryRemoved,
    IndexHitNotified,
    IndexLookupAnswered,
    IndexLookupRequested,
)
from infohus_platform.auth import Guard
from infohus_platform.errors import NotFound, RuleViolation
from infohus_platform.exchange.link import ExchangeDelivery
from infohus_platform.runtime import Runtime

from .. import domain
from ..domain import utcnow
from ..schemas import KnownElsewherePublic
from ..storage import CaseRepository, IndexEntry, IndexHitNotice, IndexLookup
from .case_steps import case_resource, load_case
from .federation import district_of, exchange_records, index_key, is_police, police_org, send

NOT_A_MEMBER = "denne instans er ikke med i et distrikt med et kendt-andetsteds-indeks"


# --- a coordinator asks -------------------------------------------------------------------------------------

async def ask_known_elsewhere(runtime: Runtime, guard: Guard, case_id: UUID) -> KnownElsewherePublic:
    """Asked with the pseudonym only; the police district answers at once for itself, a municipality asks it."""
    case = await load_case(runtime, case_id)
    access = await guard.require("case.known_elsewhere", case_resource(case), log_now=False)
    key = index_key(runtime)
    police = police_org(runtime)
    if key is None or (police is None and not is_police(runtime)):
        raise RuleViolation("case_id", NOT_A_MEMBER)
    cpr = json.loads(case.concern)["person"].get("cpr")
    if not cpr:
        raise RuleViolation("case_id", "personen har intet CPR-nummer i sagen, så indekset kan ikke spørges")
    org = runtime.settings.infohus_org
    async with runtime.db.session() as session:
        lookup = IndexLookup(lookup_id=str(uuid4()), case_id=case.case_id, concern_id=case.concern_id,
                             municipality_code=case.municipality_code, requested_by=guard.principal.user_id,
                             requested_at=utcnow())
        if police is not None:
            body = IndexLookupRequested(lookup_id=UUID(lookup.lookup_id), pseudonym=domain.pseudonym(cpr, key),
                                        municipality_code=case.municipality_code)
            row = send(session, runtime, recipient_org=police, message=INDEX_LOOKUP_REQUESTED, body=body,
                       key=lookup.lookup_id, municipality_code=case.municipality_code,
                       necessity=domain.NECESSITY["index_lookup"], subject=case.concern_id)
            lookup.exchange_event_id = row.event_id
        else:  # the police district holds the index: it answers itself
            orgs = await answer_lookup(session, runtime, domain.pseudonym(cpr, key), asked_by=org,
                                       asked_at=lookup.requested_at)
            lookup.status, lookup.contact_orgs, lookup.answered_at = ("hit" if orgs else "no_hit"), orgs, utcnow()
        session.add(lookup)
        await guard.record(session, access, "case.known_elsewhere", subjects=[case.concern_id],
                           data_classes=["identity", "process"])
        await session.commit()
    runtime.relay.wake()
    return await _public(runtime, lookup)


async def read_lookup(runtime: Runtime, guard: Guard, lookup_id: UUID) -> KnownElsewherePublic:
    async with runtime.db.session() as session:
        lookup = await CaseRepository(session).lookup(str(lookup_id))
    if lookup is None:
        raise NotFound("lookup", detail="no such lookup")
    case = await load_case(runtime, lookup.case_id)
    await guard.require_found("case.known_elsewhere", case_resource(case), subject_ref=case.concern_id,
                              data_classes=["process"], not_found=NotFound("lookup", detail="no such lookup"))
    return await _public(runtime, lookup)


async def _public(runtime: Runtime, lookup: IndexLookup) -> KnownElsewherePublic:
    async with runtime.db.session() as session:
        records = await exchange_records(session, lookup.exchange_event_id, lookup.answer_receipt_id)
    return KnownElsewherePublic.model_validate(lookup.model_dump() | records)


# --- the police district: the index ---------------------------------------------------------------------------

async def answer_lookup(session: AsyncSession, runtime: Runtime, pseudonym: str, *, asked_by: str,
                        asked_at: datetime) -> list[str]:
    """The other organisations holding ``pseudonym``; each holding entry (not the asker's) is told who asked."""
    repository = CaseRepository(session)
    holders = [entry for entry in await repository.index_holders(pseudonym) if entry.org != asked_by]
    org = runtime.settings.infohus_org
    for entry in holders:
        if entry.org == org:
            await note_hit(session, entry, asked_by=asked_by, asked_at=asked_at, receipt_id=None)
        else:
            notice = IndexHitNotified(notice_id=uuid4(), entry_id=UUID(entry.entry_id), asked_by_org=asked_by,
                                      asked_at=asked_at)
            send(session, runtime, recipient_org=entry.org, message=INDEX_HIT_NOTIFIED, body=notice,
                 key=entry.entry_id, municipality_code=entry.municipality_code,
                 necessity=domain.NECESSITY["index_hit"])
    return domain.contact_orgs([entry.org for entry in holders], asked_by)


async def receive_entry_added(runtime: Runtime, delivery: ExchangeDelivery, added: IndexEntryAdded) -> IndexEntry:
    if added.org != delivery.sender_org:
        raise RuleViolation("org", "an organisation adds only its own entries to the index")
    repository = CaseRepository(delivery.session)
    if await repository.index_entry(str(added.entry_id)) is not None:
        raise RuleViolation("entry_id", "this entry is already in the index")
    entry = IndexEntry(entry_id=str(added.entry_id), org=added.org, municipality_code=added.municipality_code,
                       pseudonym=added.pseudonym, added_at=utcnow())
    repository.add(entry)
    return entry


async def receive_entry_removed(runtime: Runtime, delivery: ExchangeDelivery, removed: IndexEntryRemoved) -> bool:
    """The index forgets an entry of the sender's (one it never got is nothing to forget)."""
    entry = await CaseRepository(delivery.session).index_entry(str(removed.entry_id))
    if entry is None:
        return False
    if entry.org != delivery.sender_org:
        raise RuleViolation("entry_id", "an organisation removes only its own entries from the index")
    await delivery.session.delete(entry)
    return True


async def receive_lookup_requested(runtime: Runtime, delivery: ExchangeDelivery,
                                   asked: IndexLookupRequested) -> IndexLookupAnswered:
    orgs = await answer_lookup(delivery.session, runtime, asked.pseudonym, asked_by=delivery.sender_org,
                               asked_at=utcnow())
    answer = IndexLookupAnswered(lookup_id=asked.lookup_id, hit=bool(orgs), contact_orgs=orgs)
    send(delivery.session, runtime, recipient_org=delivery.sender_org, message=INDEX_LOOKUP_ANSWERED, body=answer,
         key=str(asked.lookup_id), municipality_code=asked.municipality_code,
         necessity=domain.NECESSITY["index_answer"])
    return answer


# --- a municipality: answers, notices and erasure -------------------------------------------------------------

async def receive_lookup_answered(runtime: Runtime, delivery: ExchangeDelivery,
                                  answered: IndexLookupAnswered) -> IndexLookup:
    if police_org(runtime) != delivery.sender_org:
        raise RuleViolation("lookup_id", "only the police district answers lookups in the index")
    lookup = await CaseRepository(delivery.session).lookup(str(answered.lookup_id))
    if lookup is None:
        raise RuleViolation("lookup_id", "no such lookup here")
    domain.check_lookup_answerable(lookup.status)
    lookup.status = "hit" if answered.hit else "no_hit"
    lookup.contact_orgs = domain.contact_orgs(list(answered.contact_orgs), runtime.settings.infohus_org)
    lookup.answered_at, lookup.answer_receipt_id = utcnow(), delivery.event_id
    delivery.session.add(lookup)
    delivery.subjects.append(lookup.concern_id)
    return lookup


async def receive_hit_notified(runtime: Runtime, delivery: ExchangeDelivery,
                               notified: IndexHitNotified) -> IndexHitNotice | None:
    """Noted on the case of the entry; an entry already erased here is nothing to note."""
    if police_org(runtime) != delivery.sender_org:
        raise RuleViolation("entry_id", "only the police district sends notices of the index")
    entry = await CaseRepository(delivery.session).index_entry(str(notified.entry_id))
    if entry is None or entry.org != runtime.settings.infohus_org:
        return None
    notice = await note_hit(delivery.session, entry, asked_by=notified.asked_by_org, asked_at=notified.asked_at,
                            receipt_id=delivery.event_id)
    if entry.concern_id:
        delivery.subjects.append(entry.concern_id)
    return notice


async def note_hit(session: AsyncSession, entry: IndexEntry, *, asked_by: str, asked_at: datetime,
                   receipt_id: str | None) -> IndexHitNotice:
    case = await CaseRepository(session).by_concern(entry.concern_id) if entry.concern_id else None
    notice = IndexHitNotice(notice_id=str(uuid4()), case_id=case.case_id if case else None,
                            concern_id=entry.concern_id, asked_by_org=asked_by, asked_at=asked_at,
                            receipt_id=receipt_id)
    session.add(notice)
    return notice


async def remove_index_entries(session: AsyncSession, runtime: Runtime, concern_id: str) -> int:
    """On erasure: a municipality tells the index to forget its entries for the concern (``INDEX_ENTRY_REMOVED``);
    the police district's own entries go with the rest of the concern (``erasure_deletes``)."""
    police = police_org(runtime)
    if police is None or district_of(runtime) is None:
        return 0
    entries = await CaseRepository(session).index_entries_of(concern_id)
    for entry in entries:
        send(session, runtime, recipient_org=police, message=INDEX_ENTRY_REMOVED,
             body=IndexEntryRemoved(entry_id=UUID(entry.entry_id)), key=entry.entry_id,
             municipality_code=entry.municipality_code, necessity=domain.NECESSITY["index_entry_removed"])
    await session.exec(delete(IndexEntry).where(col(IndexEntry.concern_id) == concern_id))
    return len(entries)
