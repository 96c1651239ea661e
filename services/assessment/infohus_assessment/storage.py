"""Assessment's tables and repository."""

from datetime import date, datetime
from typing import ClassVar

from sqlalchemy import JSON, Column, Text, delete
from sqlmodel import Field, SQLModel, col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from infohus_contracts.base.topics import Topic
from infohus_contracts.case.events import ConcernDetails
from infohus_platform.audit.subject_access import row_record
from infohus_platform.messaging.outbox import OutboxMessage


class Case(SQLModel, table=True):
    """A case (sag) in the municipal infohus, opened for one concern."""

    __tablename__ = "case_file"
    __data_classes__: ClassVar[dict[str, str]] = {
        "case_id": "process",
        "concern_id": "process",
        "municipality_code": "process",
        "person_key": "identity",
        "birth_date": "identity",
        "opened_at": "process",
        "stage": "process",
        "lead": "process",
        "urgent": "process",
        "honour_conflict": "process",
        "approach": "process",
        "outcome": "process",
        "outcome_reason": "narrative",
        "forwarded_to": "process",
        "underretning_made": "process",
        "follow_up_cadence": "process",
        "next_follow_up": "process",
        "overdue_reminded_for": "process",
        "closed_at": "process",
        "close_reason": "narrative",
        "concern": "identity",
        "controller": "process",
        "regime": "process",
        "lead_org": "process",
        "origin": "process",
        "origin_org": "process",
        "origin_case_id": "process",
    }

    case_id: str = Field(primary_key=True, max_length=36)
    concern_id: str = Field(unique=True, max_length=36)
    municipality_code: str = Field(max_length=3, index=True)
    person_key: str | None = Field(default=None, max_length=64, index=True)
    birth_date: date | None = None
    opened_at: datetime
    stage: str = Field(max_length=32, index=True)
    lead: str = Field(max_length=32)
    urgent: bool = False
    honour_conflict: bool = False
    approach: str | None = Field(default=None, max_length=40)
    outcome: str | None = Field(default=None, max_length=32)
    outcome_reason: str | None = Field(default=None, sa_column=Column(Text))
    forwarded_to: str | None = Field(default=None, max_length=200)
    underretning_made: bool | None = None
    follow_up_cadence: str | None = Field(default=None, max_length=16)
    next_follow_up: date | None = None
    overdue_reminded_for: date | None = None
    closed_at: datetime | None = None
    close_reason: str | None = Field(default=None, sa_column=Column(Text))
    concern: str = Field(sa_column=Column(Text, nullable=False))
    controller: str = Field(max_length=100)  # dataansvarlig, e.g. kommune-820
    regime: str = Field(max_length=8)  # gdpr (with databeskyttelsesloven) or rhl (retshåndhævelsesloven)
    # A member of a district: the organisation that holds the lead when another one does (the police district after
    # a hand-over), and where a case came from (``forwarded`` by another municipality, ``handed_over`` to police).
    lead_org: str | None = Field(default=None, max_length=100)
    origin: str | None = Field(default=None, max_length=16)
    origin_org: str | None = Field(default=None, max_length=100)
    origin_case_id: str | None = Field(default=None, max_length=36)

    def lead_role(self) -> str:
        """The staff role that leads: the SSP coordinator, or for local police the police coordinator."""
        return "ssp_coordinator" if self.lead == "ssp_coordinator" else "police_coordinator"


class EnrichmentRequest(SQLModel, table=True):
    """A § 115 request to an authority (berigelse), with its purpose, necessity and answer."""

    __tablename__ = "enrichment_request"
    __data_classes__: ClassVar[dict[str, str]] = {
        "request_id": "process",
        "case_id": "process",
        "municipality_code": "process",
        "authority": "process",
        "purpose": "process",
        "necessity_reason": "narrative",
        "requested_by": "process",
        "requested_at": "process",
        "deadline": "process",
        "remind_on": "process",
        "reminded": "process",
        "share_decision_id": "process",
        "policy_version": "process",
        "legal_basis": "process",
        "shared_classes": "process",
        "status": "process",
        "answer": "narrative",
        "answered_by": "process",
        "answered_at": "process",
        "question": "narrative",
        "recipient_org": "process",
        "exchange_event_id": "process",
        "answer_receipt_id": "process",
    }

    request_id: str = Field(primary_key=True, max_length=36)
    case_id: str = Field(max_length=36, index=True)
    municipality_code: str = Field(max_length=3)
    authority: str = Field(max_length=40, index=True)
    purpose: str = Field(max_length=40)
    necessity_reason: str = Field(sa_column=Column(Text, nullable=False))
    requested_by: str = Field(max_length=200)
    requested_at: datetime
    deadline: date
    remind_on: date
    reminded: bool = False
    share_decision_id: str | None = Field(default=None, max_length=64)
    policy_version: str | None = Field(default=None, max_length=64)
    legal_basis: list = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    shared_classes: list = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    status: str = Field(default="requested", max_length=16)
    answer: str | None = Field(default=None, sa_column=Column(Text))
    answered_by: str | None = Field(default=None, max_length=200)
    answered_at: datetime | None = None
    question: str | None = Field(default=None, sa_column=Column(Text))
    # Sent to another organisation of the district: whom, the outbox row of the message (its share decision) and
    # the receipt of the answer (both decisions: ``exchange_receipt``).
    recipient_org: str | None = Field(default=None, max_length=100)
    exchange_event_id: str | None = Field(default=None, max_length=64)
    answer_receipt_id: str | None = Field(default=None, max_length=64)


class Assessment(SQLModel, table=True):
    """An assessment with the national tool (vurderingsværktøjet)."""

    __tablename__ = "assessment"
    __data_classes__: ClassVar[dict[str, str]] = {
        "assessment_id": "process",
        "case_id": "process",
        "person_key": "identity",
        "instrument_version": "process",
        "dimensions": "special_category",
        "concern_level": "special_category",
        "security_aspect": "narrative",
        "social_aspect": "narrative",
        "assessed_by": "process",
        "assessed_at": "process",
    }

    assessment_id: str = Field(primary_key=True, max_length=36)
    case_id: str = Field(max_length=36, index=True)
    person_key: str | None = Field(default=None, max_length=64, index=True)
    instrument_version: str = Field(max_length=40)
    dimensions: list = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    concern_level: str = Field(max_length=16)
    security_aspect: str = Field(sa_column=Column(Text, nullable=False))
    social_aspect: str = Field(sa_column=Column(Text, nullable=False))
    assessed_by: str = Field(max_length=200)
    assessed_at: datetime


class EffortDecision(SQLModel, table=True):
    """The infohus's decision: effort level, measures, lead, and the PET report question."""

    __tablename__ = "effort_decision"
    __data_classes__: ClassVar[dict[str, str]] = {
        "decision_id": "process",
        "case_id": "process",
        "effort_level": "process",
        "measures": "process",
        "lead": "process",
        "report_to_pet": "process",
        "pet_status": "process",
        "pet_signed_off_by": "process",
        "approval": "process",
        "approved_by": "process",
        "decided_by": "process",
        "decided_at": "process",
        "pet_exchange_event_id": "process",
        "pet_filed_at": "process",
        "pet_filed_by_org": "process",
        "pet_filed_receipt_id": "process",
    }

    decision_id: str = Field(primary_key=True, max_length=36)
    case_id: str = Field(max_length=36, index=True)
    effort_level: str = Field(max_length=16)
    measures: list = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    lead: str = Field(max_length=32)
    report_to_pet: bool = False
    # not_requested|awaiting_signoff|signed_off; a member of a district: shared (to the police) and filed
    pet_status: str = Field(default="not_requested", max_length=20)
    pet_signed_off_by: str | None = Field(default=None, max_length=200)
    approval: str = Field(default="not_required", max_length=16)  # not_required|pending|approved
    approved_by: str | None = Field(default=None, max_length=200)
    decided_by: str = Field(max_length=200)
    decided_at: datetime
    pet_exchange_event_id: str | None = Field(default=None, max_length=64)
    pet_filed_at: datetime | None = None
    pet_filed_by_org: str | None = Field(default=None, max_length=100)
    pet_filed_receipt_id: str | None = Field(default=None, max_length=64)


class FollowUp(SQLModel, table=True):
    __tablename__ = "follow_up"
    __data_classes__: ClassVar[dict[str, str]] = {
        "follow_up_id": "process",
        "case_id": "process",
        "note": "narrative",
        "recorded_by": "process",
        "recorded_at": "process",
    }

    follow_up_id: str = Field(primary_key=True, max_length=36)
    case_id: str = Field(max_length=36, index=True)
    note: str = Field(sa_column=Column(Text, nullable=False))
    recorded_by: str = Field(max_length=200)
    recorded_at: datetime


class Meeting(SQLModel, table=True):
    """An Infohus Kommune meeting with its agenda of open cases."""

    __tablename__ = "meeting"
    __data_classes__: ClassVar[dict[str, str]] = {
        "meeting_id": "process",
        "municipality_code": "process",
        "kind": "process",
        "scheduled_for": "process",
        "agenda": "process",
        "convened_by": "process",
        "convened_at": "process",
    }

    meeting_id: str = Field(primary_key=True, max_length=36)
    municipality_code: str = Field(max_length=3, index=True)
    kind: str = Field(max_length=16)
    scheduled_for: datetime
    agenda: list = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    convened_by: str = Field(max_length=200)
    convened_at: datetime


class ScheduleRun(SQLModel, table=True):
    """The last day the daily jobs ran for, so a job is done once per day."""

    __tablename__ = "schedule_run"
    __data_classes__: ClassVar[dict[str, str]] = {
        "job": "process",
        "last_day": "process",
    }

    job: str = Field(primary_key=True, max_length=40)
    last_day: date


# --- a member of a district (issue 13): what came from, or went to, another organisation -------------------------

class IncomingEnrichmentRequest(SQLModel, table=True):
    """The police district's copy of a municipality's enrichment request, until and after it is answered."""

    __tablename__ = "incoming_enrichment_request"
    __data_classes__: ClassVar[dict[str, str]] = {
        "request_id": "process",
        "origin_org": "process",
        "origin_request_id": "process",
        "municipality_code": "process",
        "authority": "process",
        "purpose": "process",
        "necessity_reason": "process",
        "question": "narrative",
        "person": "identity",
        "deadline": "process",
        "requested_at": "process",
        "shared_classes": "process",
        "received_at": "process",
        "receipt_id": "process",
        "status": "process",
        "answer": "narrative",
        "answered_by": "process",
        "answered_at": "process",
        "answer_event_id": "process",
    }

    request_id: str = Field(primary_key=True, max_length=36)
    origin_org: str = Field(max_length=100)
    origin_request_id: str = Field(max_length=36, unique=True)
    municipality_code: str = Field(max_length=3, index=True)
    authority: str = Field(max_length=40, index=True)
    purpose: str = Field(max_length=40)
    necessity_reason: str = Field(sa_column=Column(Text, nullable=False))
    question: str | None = Field(default=None, sa_column=Column(Text))
    person: dict | None = Field(default=None, sa_column=Column(JSON))
    deadline: date
    requested_at: datetime
    shared_classes: list = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    received_at: datetime
    receipt_id: str = Field(max_length=64)
    status: str = Field(default="requested", max_length=16)
    answer: str | None = Field(default=None, sa_column=Column(Text))
    answered_by: str | None = Field(default=None, max_length=200)
    answered_at: datetime | None = None
    answer_event_id: str | None = Field(default=None, max_length=64)


class PetReport(SQLModel, table=True):
    """The police district's copy of a municipality's report to PET/EAE, filed only with two people."""

    __tablename__ = "pet_report"
    __data_classes__: ClassVar[dict[str, str]] = {
        "report_id": "process",
        "origin_org": "process",
        "origin_report_id": "process",
        "origin_case_id": "process",
        "concern_id": "process",
        "municipality_code": "process",
        "report": "identity",
        "received_at": "process",
        "receipt_id": "process",
        "status": "process",
        "filed_by": "process",
        "signed_off_by": "process",
        "filed_at": "process",
        "filed_event_id": "process",
    }

    report_id: str = Field(primary_key=True, max_length=36)
    origin_org: str = Field(max_length=100)
    origin_report_id: str = Field(max_length=36, unique=True)
    origin_case_id: str = Field(max_length=36)
    concern_id: str = Field(max_length=36, index=True)
    municipality_code: str = Field(max_length=3, index=True)
    report: str = Field(sa_column=Column(Text, nullable=False))
    received_at: datetime
    receipt_id: str = Field(max_length=64)
    status: str = Field(default="awaiting_filing", max_length=20)  # awaiting_filing|awaiting_signoff|filed
    filed_by: str | None = Field(default=None, max_length=200)
    signed_off_by: str | None = Field(default=None, max_length=200)
    filed_at: datetime | None = None
    filed_event_id: str | None = Field(default=None, max_length=64)


class IndexEntry(SQLModel, table=True):
    """The known-elsewhere index. In a municipality: the entries it sent the police district for its own cases
    (no pseudonym kept). In the police district: every entry of the district (pseudonym, org), its own included."""

    __tablename__ = "index_entry"
    __data_classes__: ClassVar[dict[str, str]] = {
        "entry_id": "process",
        "org": "process",
        "municipality_code": "process",
        "pseudonym": "identity",
        "concern_id": "process",
        "added_at": "process",
        "exchange_event_id": "process",
    }

    entry_id: str = Field(primary_key=True, max_length=36)
    org: str = Field(max_length=100, index=True)
    municipality_code: str = Field(max_length=3)
    pseudonym: str | None = Field(default=None, max_length=64, index=True)
    concern_id: str | None = Field(default=None, max_length=36, index=True)  # only for this instance's own cases
    added_at: datetime
    exchange_event_id: str | None = Field(default=None, max_length=64)


class IndexLookup(SQLModel, table=True):
    """A coordinator's question "known elsewhere?" for a case, and the answer: hit or not, and whom to contact."""

    __tablename__ = "index_lookup"
    __data_classes__: ClassVar[dict[str, str]] = {
        "lookup_id": "process",
        "case_id": "process",
        "concern_id": "process",
        "municipality_code": "process",
        "requested_by": "process",
        "requested_at": "process",
        "status": "process",
        "contact_orgs": "process",
        "answered_at": "process",
        "exchange_event_id": "process",
        "answer_receipt_id": "process",
    }

    lookup_id: str = Field(primary_key=True, max_length=36)
    case_id: str = Field(max_length=36, index=True)
    concern_id: str = Field(max_length=36)
    municipality_code: str = Field(max_length=3)
    requested_by: str = Field(max_length=200)
    requested_at: datetime
    status: str = Field(default="pending", max_length=16)  # pending|hit|no_hit
    contact_orgs: list = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    answered_at: datetime | None = None
    exchange_event_id: str | None = Field(default=None, max_length=64)
    answer_receipt_id: str | None = Field(default=None, max_length=64)


class IndexHitNotice(SQLModel, table=True):
    """Another organisation asked about a person of one of this instance's index entries (no content)."""

    __tablename__ = "index_hit_notice"
    __data_classes__: ClassVar[dict[str, str]] = {
        "notice_id": "process",
        "case_id": "process",
        "concern_id": "process",
        "asked_by_org": "process",
        "asked_at": "process",
        "receipt_id": "process",
    }

    notice_id: str = Field(primary_key=True, max_length=36)
    case_id: str | None = Field(default=None, max_length=36, index=True)
    concern_id: str | None = Field(default=None, max_length=36)
    asked_by_org: str = Field(max_length=100)
    asked_at: datetime
    receipt_id: str | None = Field(default=None, max_length=64)


TABLES = (Case, EnrichmentRequest, Assessment, EffortDecision, FollowUp, Meeting, ScheduleRun,
          IncomingEnrichmentRequest, PetReport, IndexEntry, IndexLookup, IndexHitNotice)


class CaseRepository:
    """The case file and everything under it (sagen), and the events the case put in the outbox."""

    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    def add(self, *items: SQLModel) -> None:
        for item in items:
            self.session.add(item)

    async def get(self, case_id: str) -> Case | None:
        return await self.session.get(Case, case_id)

    async def by_concern(self, concern_id: str) -> Case | None:
        return (await self.session.exec(select(Case).where(Case.concern_id == concern_id))).first()

    async def cases(self, municipality_codes: list[str] | None, *, stage: str | None = None, lead: str | None = None,
                    open_only: bool = False, urgent: bool | None = None, limit: int | None = None) -> list[Case]:
        query = select(Case).order_by(col(Case.opened_at).desc()).limit(limit)
        if municipality_codes is not None:
            query = query.where(col(Case.municipality_code).in_(municipality_codes))
        if stage:
            query = query.where(Case.stage == stage)
        if lead:
            query = query.where(Case.lead == lead)
        if open_only:
            query = query.where(Case.stage != "closed")
        if urgent is not None:
            query = query.where(Case.urgent == urgent)
        return list((await self.session.exec(query)).all())

    async def requests_for(self, case_id: str) -> list[EnrichmentRequest]:
        query = select(EnrichmentRequest).where(EnrichmentRequest.case_id == case_id)
        return list((await self.session.exec(query.order_by(col(EnrichmentRequest.requested_at)))).all())

    async def requests(self, *, authority: str | None, municipality_codes: list[str] | None) -> list[EnrichmentRequest]:
        query = select(EnrichmentRequest).order_by(col(EnrichmentRequest.requested_at).desc())
        if authority:
            query = query.where(EnrichmentRequest.authority == authority)
        if municipality_codes is not None:
            query = query.where(col(EnrichmentRequest.municipality_code).in_(municipality_codes))
        return list((await self.session.exec(query)).all())

    async def request(self, request_id: str) -> EnrichmentRequest | None:
        return await self.session.get(EnrichmentRequest, request_id)

    async def assessments_for(self, case_id: str) -> list[Assessment]:
        query = select(Assessment).where(Assessment.case_id == case_id).order_by(col(Assessment.assessed_at))
        return list((await self.session.exec(query)).all())

    async def assessment(self, assessment_id: str) -> Assessment | None:
        return await self.session.get(Assessment, assessment_id)

    async def latest_assessment(self, case_id: str) -> Assessment | None:
        assessments = await self.assessments_for(case_id)
        return assessments[-1] if assessments else None

    async def decisions_for(self, case_id: str) -> list[EffortDecision]:
        query = select(EffortDecision).where(EffortDecision.case_id == case_id)
        return list((await self.session.exec(query.order_by(col(EffortDecision.decided_at)))).all())

    async def decision(self, decision_id: str) -> EffortDecision | None:
        return await self.session.get(EffortDecision, decision_id)

    async def follow_ups_for(self, case_id: str) -> list[FollowUp]:
        query = select(FollowUp).where(FollowUp.case_id == case_id).order_by(col(FollowUp.recorded_at))
        return list((await self.session.exec(query)).all())

    async def overdue(self, municipality_codes: list[str] | None, as_of: date, limit: int | None = None) -> list[Case]:
        query = select(Case).where(Case.stage != "closed", col(Case.next_follow_up).is_not(None),
                                   col(Case.next_follow_up) < as_of)
        if municipality_codes is not None:
            query = query.where(col(Case.municipality_code).in_(municipality_codes))
        return list((await self.session.exec(query.order_by(col(Case.next_follow_up)).limit(limit))).all())

    async def open_cases_with_birth_date(self) -> list[Case]:
        query = select(Case).where(Case.stage != "closed", col(Case.birth_date).is_not(None))
        return list((await self.session.exec(query)).all())

    async def due_reminders(self, on: date) -> list[EnrichmentRequest]:
        query = select(EnrichmentRequest).where(EnrichmentRequest.status == "requested",
                                                EnrichmentRequest.reminded == False,  # noqa: E712
                                                col(EnrichmentRequest.remind_on) <= on)
        return list((await self.session.exec(query)).all())

    async def meetings(self, municipality_codes: list[str] | None) -> list[Meeting]:
        query = select(Meeting).order_by(col(Meeting.scheduled_for))
        if municipality_codes is not None:
            query = query.where(col(Meeting.municipality_code).in_(municipality_codes))
        return list((await self.session.exec(query)).all())

    async def last_meeting(self, municipality_code: str) -> Meeting | None:
        query = select(Meeting).where(Meeting.municipality_code == municipality_code, Meeting.kind == "regular")
        return (await self.session.exec(query.order_by(col(Meeting.scheduled_for).desc()))).first()

    async def staged_events(self, concern_id: str, topic: Topic) -> list[OutboxMessage]:
        """The events staged for a concern on ``topic``, in the order they were staged (the platform's outbox)."""
        query = select(OutboxMessage).where(OutboxMessage.key == concern_id, OutboxMessage.topic == topic.name)
        return list((await self.session.exec(query.order_by(col(OutboxMessage.id)))).all())

    # --- a member of a district ---------------------------------------------------------------------------

    async def incoming_requests(self, *, authority: str | None,
                                municipality_codes: list[str] | None) -> list[IncomingEnrichmentRequest]:
        query = select(IncomingEnrichmentRequest).order_by(col(IncomingEnrichmentRequest.received_at).desc())
        if authority:
            query = query.where(IncomingEnrichmentRequest.authority == authority)
        if municipality_codes is not None:
            query = query.where(col(IncomingEnrichmentRequest.municipality_code).in_(municipality_codes))
        return list((await self.session.exec(query)).all())

    async def incoming_request(self, request_id: str) -> IncomingEnrichmentRequest | None:
        return await self.session.get(IncomingEnrichmentRequest, request_id)

    async def incoming_by_origin(self, origin_request_id: str) -> IncomingEnrichmentRequest | None:
        query = select(IncomingEnrichmentRequest).where(
            IncomingEnrichmentRequest.origin_request_id == origin_request_id)
        return (await self.session.exec(query)).first()

    async def pet_reports(self, municipality_codes: list[str] | None) -> list[PetReport]:
        query = select(PetReport).order_by(col(PetReport.received_at).desc())
        if municipality_codes is not None:
            query = query.where(col(PetReport.municipality_code).in_(municipality_codes))
        return list((await self.session.exec(query)).all())

    async def pet_report(self, report_id: str) -> PetReport | None:
        return await self.session.get(PetReport, report_id)

    async def pet_report_by_origin(self, origin_report_id: str) -> PetReport | None:
        query = select(PetReport).where(PetReport.origin_report_id == origin_report_id)
        return (await self.session.exec(query)).first()

    async def index_entry(self, entry_id: str) -> IndexEntry | None:
        return await self.session.get(IndexEntry, entry_id)

    async def index_entries_of(self, concern_id: str) -> list[IndexEntry]:
        return list((await self.session.exec(select(IndexEntry).where(IndexEntry.concern_id == concern_id))).all())

    async def index_holders(self, pseudonym: str) -> list[IndexEntry]:
        query = select(IndexEntry).where(IndexEntry.pseudonym == pseudonym).order_by(col(IndexEntry.added_at))
        return list((await self.session.exec(query)).all())

    async def lookup(self, lookup_id: str) -> IndexLookup | None:
        return await self.session.get(IndexLookup, lookup_id)

    async def hit_notices_for(self, case_id: str) -> list[IndexHitNotice]:
        query = select(IndexHitNotice).where(IndexHitNotice.case_id == case_id)
        return list((await self.session.exec(query.order_by(col(IndexHitNotice.asked_at)))).all())


CASE_CHILD_TABLES = (EnrichmentRequest, Assessment, EffortDecision, FollowUp, IndexLookup, IndexHitNotice)


def erasure_deletes(concern_id: str) -> list:
    """What assessment deletes when a concern's retention ends: the case and everything under it."""
    case_ids = select(Case.case_id).where(Case.concern_id == concern_id).scalar_subquery()
    return [delete(table).where(col(table.case_id).in_(case_ids)) for table in CASE_CHILD_TABLES] + [
        delete(IndexEntry).where(col(IndexEntry.concern_id) == concern_id),
        delete(Case).where(col(Case.concern_id) == concern_id)]


async def subject_records(session: AsyncSession, concern_ids: list[str]) -> list[dict]:
    cases = (await session.exec(select(Case).where(col(Case.concern_id).in_(concern_ids)))).all()
    records = [row_record(case, expand={"concern": ConcernDetails}, exclude=("person_key",)) for case in cases]
    case_ids = [case.case_id for case in cases]
    for table in CASE_CHILD_TABLES:
        rows = (await session.exec(select(table).where(col(table.case_id).in_(case_ids)))).all()
        records += [row_record(row, exclude=("person_key",)) for row in rows]
    return records
