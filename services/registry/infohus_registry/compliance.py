""""What would be shared?" for compliance staff: per field of a registration, whether it would go to
a recipient and why, as OPA decides it. Nothing is sent.

    python -m infohus_tools.share_preview --concern <id> --recipient network --purpose statistics
"""

from typing import Any, Literal
from uuid import UUID

from fastapi import APIRouter, HTTPException
from pydantic import BaseModel, Field

from infohus_platform.auth import GuardDep, resource
from infohus_platform.runtime import RuntimeDep

from .storage import Registration, RegistrationRepository

router = APIRouter(prefix="/api/v1/compliance", tags=["compliance"])


class SharePreviewIn(BaseModel):
    concern_id: UUID
    recipient_kind: str = Field(min_length=1, max_length=60, pattern=r"^[a-z_0-9]+$")
    purpose: Literal["prevention", "statistics", "duty_to_inform", "access_request", "underretning",
                     "reporter_feedback", "investigation"] = "prevention"
    recipient_org: str | None = Field(None, max_length=100)
    necessity_reason: str | None = Field(None, max_length=4000)
    case_stage: str | None = Field(None, max_length=40)


def preview_input(registration: Registration, body: SharePreviewIn, settings: Any, acting_role: str) -> dict:
    classes = Registration.__data_classes__
    fields = [{"name": name, "data_class": classes[name]} for name in Registration.model_fields
              if getattr(registration, name) not in (None, "", [])]
    return {
        "action": "send",
        "sender": settings.sender(),
        "recipient": {"kind": body.recipient_kind, "org": body.recipient_org or settings.infohus_org},
        "purpose": body.purpose, "fields": fields, "acting_role": acting_role,
        "subject": {"municipality_code": registration.municipality_code},
        "case_stage": body.case_stage or ("closed" if registration.closed_at else "received"),
        "necessity_reason": body.necessity_reason,
        "stated_basis": settings.stated_basis({f["data_class"] for f in fields}),
    }


@router.post("/share-preview")
async def share_preview(body: SharePreviewIn, runtime: RuntimeDep, guard: GuardDep) -> dict:
    async with runtime.db.session() as session:
        registration = await RegistrationRepository(session).get(str(body.concern_id))
    if registration is None:
        raise HTTPException(404, detail="no registration for that concern")
    await guard.require("compliance.preview", resource("registration", registration.municipality_code),
                        subject_ref=registration.concern_id, data_classes=["process"])
    preview = await runtime.policy.share_preview(preview_input(registration, body, runtime.settings,
                                                               "compliance_officer"))
    if preview.result is None:
        raise HTTPException(503, detail="the share preview policy gave no answer")
    return preview.result | {"concern_id": str(body.concern_id), "decision_id": preview.decision_id}
