"""POST /api/v1/concerns: a concern comes in."""

from typing import Annotated

from fastapi import APIRouter, Header, HTTPException, status

from infohus_platform.auth import GuardDep
from infohus_platform.runtime import RuntimeDep

from ..domain import IdempotencyKeyReused
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
    """Accept a concern. It is stored and its event staged in one transaction; nothing is lost."""
    try:
        return await concerns.submit_concern(runtime, guard, submission, idempotency_key)
    except IdempotencyKeyReused as refused:
        # Not the platform's RuleViolation: callers read this answer's detail as {"field", "reason"}.
        raise HTTPException(422, detail={"field": refused.field, "reason": refused.reason}) from None
