"""Reports to PET/EAE at the police district (a member of a district): a municipality's report arrives through
the local police, which files it only with a second person's sign-off, then tells the municipality."""

import json
from uuid import UUID, uuid4

from infohus_contracts.case.exchange import PET_REPORT_FILED, PetReportFiledNotice, PetReportSent
from infohus_platform.auth import Guard, resource
from infohus_platform.errors import NotFound, RuleViolation
from infohus_platform.exchange.link import ExchangeDelivery
from infohus_platform.runtime import Runtime

from .. import domain
from ..domain import utcnow
from ..schemas import PetReportPublic
from ..storage import CaseRepository, PetReport
from .enrichment import incoming_scope
from .federation import district_of, receipt_record, send

REPORT_CLASSES = ["identity", "special_category", "social", "narrative", "process"]


async def receive_pet_report(runtime: Runtime, delivery: ExchangeDelivery, sent: PetReportSent) -> PetReport:
    """Kept as a PET report awaiting filing."""
    municipality = sent.concern.municipality_code
    if municipality not in runtime.settings.municipalities:
        raise RuleViolation("concern.municipality_code", "this instance does not serve that municipality")
    repository = CaseRepository(delivery.session)
    if await repository.pet_report_by_origin(str(sent.report_id)) is not None:
        raise RuleViolation("report_id", "this report has already been received")
    report = PetReport(
        report_id=str(uuid4()), origin_org=delivery.sender_org, origin_report_id=str(sent.report_id),
        origin_case_id=str(sent.origin_case_id), concern_id=str(sent.concern.concern_id),
        municipality_code=municipality,
        report=sent.model_dump_json(exclude={"report_id", "origin_case_id"}), received_at=utcnow(),
        receipt_id=delivery.event_id)
    repository.add(report)
    delivery.subjects.append(report.concern_id)
    return report


async def _public(runtime: Runtime, report: PetReport) -> PetReportPublic:
    async with runtime.db.session() as session:
        receipt = await receipt_record(session, report.receipt_id)
    return PetReportPublic.model_validate(report.model_dump() | {"report": json.loads(report.report),
                                                                  "receipt": receipt})


def _resource(report: PetReport, **attributes: str | None) -> dict:
    return resource("case", report.municipality_code, pet_report_id=report.report_id, **attributes)


async def list_pet_reports(runtime: Runtime, guard: Guard) -> list[PetReportPublic]:
    """The reports to PET/EAE the police district holds, newest first; each listed report is a logged read."""
    if district_of(runtime) is None:
        return []
    scope = incoming_scope(guard.principal)
    decision = await guard.require("case.list", resource("case", scope[0] if scope else None), log_now=False)
    async with runtime.db.session() as session:
        reports = await CaseRepository(session).pet_reports(scope)
        await guard.record(session, decision, "case.list", subjects=[r.concern_id for r in reports],
                           data_classes=REPORT_CLASSES)
        await session.commit()
    return [await _public(runtime, report) for report in reports]


async def _load(runtime: Runtime, guard: Guard, report_id: UUID) -> PetReport:
    async with runtime.db.session() as session:
        report = await CaseRepository(session).pet_report(str(report_id)) if district_of(runtime) else None
    if report is None:
        raise NotFound("report", detail="no such report")
    return report


async def file_pet_report(runtime: Runtime, guard: Guard, report_id: UUID) -> PetReportPublic:
    """The first person files the report; it is filed once a second person signs off."""
    report = await _load(runtime, guard, report_id)
    access = await guard.require("case.pet.request", _resource(report), log_now=False)
    actor = guard.principal.user_id
    async with runtime.db.session() as session:
        current = await CaseRepository(session).pet_report(report.report_id)
        assert current is not None  # found a moment ago
        domain.check_pet_filing(current.status)
        current.status, current.filed_by = "awaiting_signoff", actor
        session.add(current)
        await guard.record(session, access, "case.pet.request", subjects=[current.concern_id],
                           data_classes=["process"])
        await session.commit()
    return await _public(runtime, current)


async def sign_off_pet_filing(runtime: Runtime, guard: Guard, report_id: UUID) -> PetReportPublic:
    """A second person signs off: the report is filed, and the municipality is told (``PET_REPORT_FILED``).
    Access depends on who filed it: the policy sees the first person, so the same person cannot sign off."""
    report = await _load(runtime, guard, report_id)
    access = await guard.require("case.pet.signoff", _resource(report, requested_by=report.filed_by,
                                                               decided_by=report.filed_by), log_now=False)
    actor = guard.principal.user_id
    async with runtime.db.session() as session:
        current = await CaseRepository(session).pet_report(report.report_id)
        assert current is not None
        domain.check_pet_filing_signoff(current.status, current.filed_by, actor)
        current.status, current.signed_off_by, current.filed_at = "filed", actor, utcnow()
        notice = PetReportFiledNotice(report_id=UUID(current.origin_report_id), filed_at=current.filed_at)
        row = send(session, runtime, recipient_org=current.origin_org, message=PET_REPORT_FILED, body=notice,
                   key=current.origin_report_id, municipality_code=current.municipality_code,
                   necessity=domain.NECESSITY["pet_report_filed"])
        current.filed_event_id = row.event_id
        session.add(current)
        await guard.record(session, access, "case.pet.signoff", subjects=[current.concern_id],
                           data_classes=["process"])
        await session.commit()
    runtime.relay.wake()
    return await _public(runtime, current)
