"""The case's messages between organisations of a district (``dk.infohus.x.*``), each with its receiver.

Never imported by the district network. The base types (aggregate reports) are in
``infohus_contracts.base.exchange``; ``CASE_EXCHANGE_TYPES`` + ``BASE_EXCHANGE_TYPES`` is the whole catalogue,
and the district document's agreements name these types.
"""

from datetime import date, datetime
from typing import Literal
from uuid import UUID

from infohus_contracts.base.classes import DataClass, classified
from infohus_contracts.base.contract import Contract
from infohus_contracts.base.exchange import BASE_EXCHANGE_TYPES, ExchangeType
from infohus_contracts.base.text import Text

from .events import ConcernDetails, ConcernReceived

P = DataClass.PROCESS


class ConcernForwarded(Contract):
    """A concern about a person who lives in another municipality, sent to that municipality's infohus, which
    takes it in as its own; the sender keeps only the forwarding record."""

    forwarding_id: UUID = classified(P)
    forwarded_by: Text = classified(P, max_length=100, description="the sending organisation")
    reason: Text = classified(P, max_length=400)
    concern: ConcernReceived


CONCERN_FORWARDED = ExchangeType(
    "dk.infohus.x.concern_forwarded.v1", ConcernForwarded,
    "A concern forwarded to the infohus of the municipality where the person lives.", receiver="assessment",
)


# --- assessment's flows between a municipality and its police district (issue 13, B1) ------------------------

ID = DataClass.IDENTITY
N = DataClass.NARRATIVE
S = DataClass.SPECIAL_CATEGORY


class PersonIdentity(Contract):
    """Whom a message is about: identity only, as far as the request's data classes allow it."""

    name: Text = classified(ID, min_length=1, max_length=200)
    cpr: str | None = classified(ID, None, pattern=r"^\d{10}$")
    birth_date: date | None = classified(ID, None)


class EnrichmentRequestSent(Contract):
    """A municipality's § 115 request to its police district (berigelse): what it asks and why; the police keeps
    it as an incoming request and answers with ``EnrichmentAnswerSent``."""

    request_id: UUID = classified(P, description="the sender's request id (the answer names it)")
    municipality_code: str = classified(P, pattern=r"^\d{3}$")
    authority: Text = classified(P, max_length=40)
    purpose: Text = classified(P, max_length=40)
    necessity_reason: Text = classified(P, min_length=1, max_length=4000,
                                        description="the request's own justification, written for the recipient")
    deadline: date = classified(P)
    requested_at: datetime = classified(P)
    shared_classes: list[Text] = classified(P, default_factory=list, max_length=9)
    question: Text | None = classified(N, None, max_length=4000)
    person: PersonIdentity | None = None


class EnrichmentAnswerSent(Contract):
    """The police district's answer to one enrichment request, back to the municipality that asked."""

    request_id: UUID = classified(P, description="the municipality's request id")
    answer: Text = classified(N, min_length=1, max_length=20000)
    answered_at: datetime = classified(P)


class CaseHandover(Contract):
    """The lead of a case passes to the police district (at the 18th birthday, or on imminent risk): the police
    opens a case of its own with lead local police; the municipality keeps its case and notes who leads."""

    handover_id: UUID = classified(P)
    origin_case_id: UUID = classified(P)
    reason: Literal["turned_18", "imminent_risk"] = classified(P)
    handed_over_at: datetime = classified(P)
    concern: ConcernDetails


class PetReportSent(Contract):
    """A municipality's report to PET/EAE, which goes through the local police; the police files it only with a
    second person's sign-off and then answers with ``PetReportFiledNotice``."""

    report_id: UUID = classified(P, description="the sender's decision id")
    origin_case_id: UUID = classified(P)
    effort_level: Text = classified(P, max_length=16)
    concern_level: Text | None = classified(S, None, max_length=16)
    security_aspect: Text | None = classified(N, None, max_length=4000)
    signed_off_at: datetime = classified(P)
    concern: ConcernDetails


class PetReportFiledNotice(Contract):
    """Process data only: the police filed (journaliseret) the report with PET/EAE."""

    report_id: UUID = classified(P, description="the municipality's decision id")
    filed_at: datetime = classified(P)


class IndexEntryAdded(Contract):
    """An entry of the district's known-elsewhere index: a keyed pseudonym of the CPR number and who holds it."""

    entry_id: UUID = classified(P)
    pseudonym: str = classified(ID, pattern=r"^[0-9a-f]{64}$", description="hex HMAC-SHA256 of the CPR number")
    org: Text = classified(P, max_length=100)
    municipality_code: str = classified(P, pattern=r"^\d{3}$")


class IndexEntryRemoved(Contract):
    """The index forgets an entry (its concern was erased at the end of retention)."""

    entry_id: UUID = classified(P)


class IndexLookupRequested(Contract):
    """Is the person known elsewhere in the district? Asked with the pseudonym only."""

    lookup_id: UUID = classified(P)
    pseudonym: str = classified(ID, pattern=r"^[0-9a-f]{64}$")
    municipality_code: str = classified(P, pattern=r"^\d{3}$")


class IndexLookupAnswered(Contract):
    """Hit or no hit, and which other organisations to contact; never what they know."""

    lookup_id: UUID = classified(P)
    hit: bool = classified(P)
    contact_orgs: list[Text] = classified(P, default_factory=list, max_length=200)


class IndexHitNotified(Contract):
    """No content: another organisation asked about a person of one of your index entries."""

    notice_id: UUID = classified(P)
    entry_id: UUID = classified(P, description="the recipient's own index entry")
    asked_by_org: Text = classified(P, max_length=100)
    asked_at: datetime = classified(P)


def _case_type(name: str, schema: type[Contract], description: str) -> ExchangeType:
    return ExchangeType(f"dk.infohus.x.{name}.v1", schema, description, receiver="assessment")


ENRICHMENT_REQUESTED = _case_type("enrichment_requested", EnrichmentRequestSent,
                                  "A § 115 enrichment request from a municipality to its police district.")
ENRICHMENT_ANSWERED = _case_type("enrichment_answered", EnrichmentAnswerSent,
                                 "The police district's answer to a municipality's enrichment request.")
CASE_HANDED_OVER = _case_type("case_handed_over", CaseHandover,
                              "The lead of a case passes to the police district (18th birthday, imminent risk).")
PET_REPORT_SHARED = _case_type("pet_report_shared", PetReportSent,
                               "A report to PET/EAE, through the local police, which files it with two people.")
PET_REPORT_FILED = _case_type("pet_report_filed", PetReportFiledNotice,
                              "Receipt: the police filed the report to PET/EAE (process data only).")
INDEX_ENTRY_ADDED = _case_type("index_entry_added", IndexEntryAdded,
                               "A pseudonym and its organisation in the district's known-elsewhere index.")
INDEX_ENTRY_REMOVED = _case_type("index_entry_removed", IndexEntryRemoved,
                                 "The known-elsewhere index forgets an entry.")
INDEX_LOOKUP_REQUESTED = _case_type("index_lookup_requested", IndexLookupRequested,
                                    "Is the person known elsewhere in the district (pseudonym only)?")
INDEX_LOOKUP_ANSWERED = _case_type("index_lookup_answered", IndexLookupAnswered,
                                   "Hit or no hit, and the other organisations to contact.")
INDEX_HIT_NOTIFIED = _case_type("index_hit_notified", IndexHitNotified,
                                "Without content: another organisation asked about a person you know.")

CASE_EXCHANGE_TYPES: tuple[ExchangeType, ...] = (
    CONCERN_FORWARDED, ENRICHMENT_REQUESTED, ENRICHMENT_ANSWERED, CASE_HANDED_OVER, PET_REPORT_SHARED,
    PET_REPORT_FILED, INDEX_ENTRY_ADDED, INDEX_ENTRY_REMOVED, INDEX_LOOKUP_REQUESTED, INDEX_LOOKUP_ANSWERED,
    INDEX_HIT_NOTIFIED,
)
ALL_EXCHANGE_TYPES: tuple[ExchangeType, ...] = (*CASE_EXCHANGE_TYPES, *BASE_EXCHANGE_TYPES)
