"""POST /api/v1/concerns: a concern comes in. GET /api/v1/forwardings: those passed on to another infohus."""

from typing import Annotated

from fastapi import APIRouter, Header, status

from infohus_platform.auth import GuardDep
from infohus_platform.runtime import RuntimeDep

from ..schemas import ConcernAccepted, ConcernCreate, ForwardingPublic
from ..service import concerns, forwarding

router = APIRouter(prefix="/api/v1", tags=["concerns"])


@router.post("/concerns", status_code=status.HTTP_202_ACCEPTED, response_model=ConcernAccepted,
             response_model_exclude_none=True)
async def submit_concern(
    submission: ConcernCreate,
    runtime: RuntimeDep,
    guard: GuardDep,
    idempotency_key: Annotated[str | None, Header(max_length=200)] = None,
) -> ConcernAccepted:
    """Accept a concern. It is stored and its event staged in one transaction; nothing is lost.

    In a district, a concern for another municipality of the district is forwarded to that municipality's
    infohus instead (``forwarded_to`` names it); one for a municipality outside the district is refused (422).
    An ``Idempotency-Key`` sent again with a different concern is refused (422, field ``Idempotency-Key``)."""
    return await concerns.submit_concern(runtime, guard, submission, idempotency_key)


@router.get("/forwardings", response_model=list[ForwardingPublic])
async def list_forwardings(runtime: RuntimeDep, guard: GuardDep) -> list[ForwardingPublic]:
    """The concerns forwarded to another municipality's infohus, newest first: the records, never the concerns."""
    return await forwarding.list_forwardings(runtime, guard)
