"""POST /api/v1/concerns: a concern comes in."""

from typing import Annotated

from fastapi import APIRouter, Header, status

from infohus_platform.auth import GuardDep
from infohus_platform.runtime import RuntimeDep

from ..schemas import ConcernAccepted, ConcernCreate
from ..service import concerns

router = APIRouter(prefix="/api/v1", tags=["concerns"])


@router.post("/concerns", status_code=status.HTTP_202_ACCEPTED, response_model=ConcernAccepted)
async def submit_concern(
    submission: ConcernCreate,
    runtime: RuntimeDep,
    guard: GuardDep,
    idempotency_key: Annotated[str | None, Header(max_length=200)] = None,
) -> ConcernAccepted:
    """Accept a concern. It is stored and its event staged in one transaction; nothing is lost.

    An ``Idempotency-Key`` sent again with a different concern is refused (422, field ``Idempotency-Key``)."""
    return await concerns.submit_concern(runtime, guard, submission, idempotency_key)
