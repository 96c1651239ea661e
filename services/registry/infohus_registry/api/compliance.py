""""What would be shared?" for compliance staff (``service.share_preview``)."""

from fastapi import APIRouter

from infohus_platform.auth import GuardDep
from infohus_platform.runtime import RuntimeDep

from ..schemas import SharePreviewCreate, SharePreviewPublic
from ..service import share_preview as previews

router = APIRouter(prefix="/api/v1/compliance", tags=["compliance"])


# exclude_unset: ``reroute`` is in the answer only when the policy gave one, as OPA answers it.
@router.post("/share-preview", response_model=SharePreviewPublic, response_model_exclude_unset=True,
             responses={404: {"description": "No registration for that concern, or none this caller may know of."}})
async def share_preview(body: SharePreviewCreate, runtime: RuntimeDep, guard: GuardDep) -> SharePreviewPublic:
    return await previews.share_preview(runtime, guard, body)
