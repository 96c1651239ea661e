"""Assessment with the national tool (vurderingsværktøjet): recording one, the tool itself, and
comparing two assessments of the same person."""

from uuid import UUID, uuid4

from infohus_contracts.case.events import CaseAssessed, CaseStage
from infohus_platform.auth import Guard
from infohus_platform.errors import NotFound, RuleViolation
from infohus_platform.runtime import Runtime

from .. import domain
from ..domain import utcnow
from ..schemas import AssessmentComparisonPublic, AssessmentCreate, AssessmentPublic, InstrumentPublic
from ..storage import Assessment, Case, CaseRepository
from .case_steps import CaseWork, case_resource, run_step


async def assess(runtime: Runtime, guard: Guard, case_id: UUID, body: AssessmentCreate) -> AssessmentPublic:
    actor = guard.principal.user_id
    dimensions = [d.model_dump() for d in body.dimensions]

    async def step(work: CaseWork, case: Case) -> Assessment:
        domain.check_can_assess(case.stage)
        domain.check_dimensions(body.instrument_version, dimensions)
        assessment = Assessment(
            assessment_id=str(uuid4()), case_id=case.case_id, person_key=case.person_key,
            instrument_version=body.instrument_version, dimensions=dimensions,
            concern_level=body.concern_level.value, security_aspect=body.security_aspect,
            social_aspect=body.social_aspect, assessed_by=actor, assessed_at=utcnow(),
        )
        if case.stage == CaseStage.ENRICHMENT.value:
            case.stage = CaseStage.DECISION.value
            work.session.add(case)
        work.cases.add(assessment)
        work.stage(case, CaseAssessed(**work.change(case, actor), assessment_id=assessment.assessment_id,
                                      instrument_version=body.instrument_version, concern_level=body.concern_level,
                                      security_aspect=body.security_aspect, social_aspect=body.social_aspect))
        return assessment

    _, assessment = await run_step(runtime, guard, case_id, "case.assess", ["special_category", "narrative"], step)
    return AssessmentPublic.model_validate(assessment.model_dump())


def current_instrument() -> InstrumentPublic:
    return InstrumentPublic.model_validate(domain.instrument())


async def compare_assessments(runtime: Runtime, guard: Guard, first: UUID, second: UUID) -> AssessmentComparisonPublic:
    """Two assessments of the same person side by side, dimension by dimension.

    Decide, then look up: to a caller who may not read both, an assessment they may not see is not found,
    and whether the two are of the same person is told only to one who may read both.
    """
    action, classes = "case.assessment.compare", ["special_category", "narrative"]
    await guard.require_in_own_scope(action, "case")
    async with runtime.db.session() as session:
        repository = CaseRepository(session)
        a, b = await repository.assessment(str(first)), await repository.assessment(str(second))
        if a is None or b is None:
            raise NotFound("assessment")
        case_a, case_b = await repository.get(a.case_id), await repository.get(b.case_id)
    assert case_a is not None and case_b is not None  # an assessment goes with its case
    cases = list({case_a.case_id: case_a, case_b.case_id: case_b}.values())
    for case in cases:
        await guard.refuse_unseen(action, case_resource(case), subject_ref=case.concern_id, data_classes=classes,
                                  not_found=NotFound("assessment"))
    if a.case_id != b.case_id and (a.person_key is None or a.person_key != b.person_key):
        raise RuleViolation("second", "the two assessments are not of the same person")
    for case in cases:
        await guard.require(action, case_resource(case), subject_ref=case.concern_id, data_classes=classes)
    first_, second_ = sorted([a, b], key=lambda x: x.assessed_at)
    return AssessmentComparisonPublic.model_validate({
        "first": {"assessment_id": first_.assessment_id, "assessed_at": first_.assessed_at,
                  "concern_level": first_.concern_level, "assessed_by": first_.assessed_by},
        "second": {"assessment_id": second_.assessment_id, "assessed_at": second_.assessed_at,
                   "concern_level": second_.concern_level, "assessed_by": second_.assessed_by},
        "concern_level_changed": first_.concern_level != second_.concern_level,
        "dimensions": [change.__dict__ for change in domain.compare(first_.dimensions, second_.dimensions,
                                                                    second_.instrument_version)],
    })
