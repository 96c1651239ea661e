"""Enrichment requests (berigelse): asking an authority, and the authorities' view and answers."""

from uuid import UUID

from fastapi import APIRouter

from infohus_platform.auth import GuardDep
from infohus_platform.runtime import RuntimeDep

from ..schemas import (
    EnrichmentAnswerCreate,
    EnrichmentRequestCreate,
    EnrichmentRequestListedPublic,
    EnrichmentRequestPublic,
)
from ..service import enrichment as use_cases

router = APIRouter(prefix="/api/v1", tags=["cases"])


@router.post("/cases/{case_id}/enrichment-requests", status_code=201)
async def request_enrichment(case_id: UUID, body: EnrichmentRequestCreate, runtime: RuntimeDep,
                             guard: GuardDep) -> EnrichmentRequestPublic:
    return await use_cases.request_enrichment(runtime, guard, case_id, body)


# ``person`` is in an item only when OPA allowed the authority the identity: unset fields are left out.
@router.get("/enrichment-requests", response_model_exclude_unset=True)
async def enrichment_requests(runtime: RuntimeDep, guard: GuardDep) -> list[EnrichmentRequestListedPublic]:
    """An authority caseworker sees only their own authority's requests."""
    return await use_cases.list_enrichment_requests(runtime, guard)


@router.post("/enrichment-requests/{request_id}/answer")
async def answer_enrichment(request_id: UUID, body: EnrichmentAnswerCreate, runtime: RuntimeDep,
                            guard: GuardDep) -> EnrichmentRequestPublic:
    return await use_cases.answer_enrichment(runtime, guard, request_id, body)
