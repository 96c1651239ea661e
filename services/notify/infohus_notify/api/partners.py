"""The configured partner subscriptions (never their secrets)."""

from fastapi import APIRouter

from infohus_platform.auth import GuardDep
from infohus_platform.runtime import RuntimeDep

from ..schemas import PartnerPublic
from .dependencies import ContextDep, controller_scope

router = APIRouter(prefix="/api/v1", tags=["notifications"])


@router.get("/partners", response_model=list[PartnerPublic])
async def partners(runtime: RuntimeDep, guard: GuardDep, ctx: ContextDep) -> list[PartnerPublic]:
    """The configured partner subscriptions (never their secrets)."""
    await guard.require("delivery.read", controller_scope(runtime))
    return [PartnerPublic.of(p) for p in ctx.partners]
