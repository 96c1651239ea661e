"""Assessment's Kafka handlers: thin; each calls one use case (``service``). A member of a district also receives
the case's messages from other organisations (``@receive``; a stand-alone instance registers none)."""

from sqlmodel.ext.asyncio.session import AsyncSession

from infohus_contracts.case.events import ConcernReceived
from infohus_contracts.case.exchange import (
    CASE_HANDED_OVER,
    CONCERN_FORWARDED,
    ENRICHMENT_ANSWERED,
    ENRICHMENT_REQUESTED,
    INDEX_ENTRY_ADDED,
    INDEX_ENTRY_REMOVED,
    INDEX_HIT_NOTIFIED,
    INDEX_LOOKUP_ANSWERED,
    INDEX_LOOKUP_REQUESTED,
    PET_REPORT_FILED,
    PET_REPORT_SHARED,
    CaseHandover,
    ConcernForwarded,
    EnrichmentAnswerSent,
    EnrichmentRequestSent,
    IndexEntryAdded,
    IndexEntryRemoved,
    IndexHitNotified,
    IndexLookupAnswered,
    IndexLookupRequested,
    PetReportFiledNotice,
    PetReportSent,
)
from infohus_contracts.case.topics import CONCERN_RECEIVED, ERASURE
from infohus_platform.audit.erasure import register_erasure
from infohus_platform.exchange.inbound import receive
from infohus_platform.exchange.link import ExchangeDelivery
from infohus_platform.messaging.consumer import Delivery, consumer
from infohus_platform.runtime import Runtime

from .service import known_elsewhere
from .service.cases import open_case_for_concern, open_forwarded_concern
from .service.decisions import receive_pet_report_filed
from .service.enrichment import receive_enrichment_answer, receive_enrichment_request
from .service.handover import receive_handover
from .service.pet_reports import receive_pet_report
from .storage import erasure_deletes


def register_handlers(runtime: Runtime) -> None:
    forget = None
    if runtime.exchange is not None:
        register_exchange_handlers(runtime)

        async def forget(session: AsyncSession, concern_id: str) -> None:
            await known_elsewhere.remove_index_entries(session, runtime, concern_id)

    register_erasure(runtime, ERASURE, erasure_deletes, also=forget)

    @consumer(runtime, CONCERN_RECEIVED)
    async def on_concern_received(concern: ConcernReceived, delivery: Delivery) -> None:
        await open_case_for_concern(runtime, delivery.session, concern)


def register_exchange_handlers(runtime: Runtime) -> None:
    @receive(runtime, CONCERN_FORWARDED)
    async def on_concern_forwarded(body: ConcernForwarded, delivery: ExchangeDelivery) -> None:
        await open_forwarded_concern(runtime, delivery, body)

    @receive(runtime, ENRICHMENT_REQUESTED)
    async def on_enrichment_requested(body: EnrichmentRequestSent, delivery: ExchangeDelivery) -> None:
        await receive_enrichment_request(runtime, delivery, body)

    @receive(runtime, ENRICHMENT_ANSWERED)
    async def on_enrichment_answered(body: EnrichmentAnswerSent, delivery: ExchangeDelivery) -> None:
        await receive_enrichment_answer(runtime, delivery, body)

    @receive(runtime, CASE_HANDED_OVER)
    async def on_case_handed_over(body: CaseHandover, delivery: ExchangeDelivery) -> None:
        await receive_handover(runtime, delivery, body)

    @receive(runtime, PET_REPORT_SHARED)
    async def on_pet_report_shared(body: PetReportSent, delivery: ExchangeDelivery) -> None:
        await receive_pet_report(runtime, delivery, body)

    @receive(runtime, PET_REPORT_FILED)
    async def on_pet_report_filed(body: PetReportFiledNotice, delivery: ExchangeDelivery) -> None:
        await receive_pet_report_filed(runtime, delivery, body)

    @receive(runtime, INDEX_ENTRY_ADDED)
    async def on_index_entry_added(body: IndexEntryAdded, delivery: ExchangeDelivery) -> None:
        await known_elsewhere.receive_entry_added(runtime, delivery, body)

    @receive(runtime, INDEX_ENTRY_REMOVED)
    async def on_index_entry_removed(body: IndexEntryRemoved, delivery: ExchangeDelivery) -> None:
        await known_elsewhere.receive_entry_removed(runtime, delivery, body)

    @receive(runtime, INDEX_LOOKUP_REQUESTED)
    async def on_index_lookup_requested(body: IndexLookupRequested, delivery: ExchangeDelivery) -> None:
        await known_elsewhere.receive_lookup_requested(runtime, delivery, body)

    @receive(runtime, INDEX_LOOKUP_ANSWERED)
    async def on_index_lookup_answered(body: IndexLookupAnswered, delivery: ExchangeDelivery) -> None:
        await known_elsewhere.receive_lookup_answered(runtime, delivery, body)

    @receive(runtime, INDEX_HIT_NOTIFIED)
    async def on_index_hit_notified(body: IndexHitNotified, delivery: ExchangeDelivery) -> None:
        await known_elsewhere.receive_hit_notified(runtime, delivery, body)
