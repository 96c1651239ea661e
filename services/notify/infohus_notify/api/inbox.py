"""The in-app inbox: a signed-in user's own notifications, and those for their roles."""

from fastapi import APIRouter, HTTPException

from infohus_platform.auth import PrincipalDep
from infohus_platform.runtime import RuntimeDep

from ..schemas import InboxItemPublic
from ..service import inbox as inbox_cases

router = APIRouter(prefix="/api/v1", tags=["notifications"])


@router.get("/inbox", response_model=list[InboxItemPublic])
async def inbox(runtime: RuntimeDep, principal: PrincipalDep, user: str | None = None) -> list[InboxItemPublic]:
    """The signed-in user's in-app notifications, and those for their roles. Only one's own."""
    if user is not None and user != principal.user_id:
        # Not ShareRefused: this answer has always been {"detail": {"reasons": [...]}}, without a decision id.
        raise HTTPException(403, detail={"reasons": ["an inbox is readable by its owner only"]})
    items = await inbox_cases.inbox_of(runtime, principal.user_id, principal.roles)
    return [InboxItemPublic.of(i) for i in items]
