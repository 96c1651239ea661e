""""Known elsewhere?": asking the district's index for a case, and reading the answer."""

from uuid import UUID

from fastapi import APIRouter

from infohus_platform.auth import GuardDep
from infohus_platform.runtime import RuntimeDep

from ..schemas import KnownElsewherePublic
from ..service import known_elsewhere as use_cases

router = APIRouter(prefix="/api/v1", tags=["cases"])


@router.post("/cases/{case_id}/known-elsewhere", status_code=202)
async def ask_known_elsewhere(case_id: UUID, runtime: RuntimeDep, guard: GuardDep) -> KnownElsewherePublic:
    """Is the person known elsewhere in the district? Only hit or no hit and whom to contact, never content."""
    return await use_cases.ask_known_elsewhere(runtime, guard, case_id)


@router.get("/known-elsewhere/{lookup_id}")
async def known_elsewhere(lookup_id: UUID, runtime: RuntimeDep, guard: GuardDep) -> KnownElsewherePublic:
    """pending, hit or no_hit, and on a hit the organisations to contact."""
    return await use_cases.read_lookup(runtime, guard, lookup_id)
