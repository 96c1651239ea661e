""""What would be shared?" for compliance staff: per field of a registration, whether it would go to
a recipient and why, as OPA decides it. Nothing is sent.

    python -m infohus_tools.share_preview --concern <id> --recipient network --purpose statistics
"""

from typing import Any

from infohus_platform.auth import Guard
from infohus_platform.errors import InfohusError
from infohus_platform.runtime import Runtime
from infohus_platform.settings import ServiceSettings

from ..schemas import SharePreviewCreate, SharePreviewPublic
from ..storage import Registration
from .registrations import registration_for


class PreviewUnanswered(InfohusError):
    """OPA was asked but gave no preview (e.g. the package is not loaded): 503, nothing to show."""

    status = 503

    def __init__(self) -> None:
        super().__init__("the share preview policy gave no answer")


def preview_input(registration: Registration, body: SharePreviewCreate, settings: ServiceSettings,
                  acting_role: str) -> dict[str, Any]:
    """The share decision's input with the registration's filled fields instead of its data classes."""
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


async def share_preview(runtime: Runtime, guard: Guard, body: SharePreviewCreate) -> SharePreviewPublic:
    """The preview for a compliance officer; asking is itself logged against the concern."""
    registration = await registration_for(runtime, guard, "compliance.preview", body.concern_id, ["process"])
    preview = await runtime.policy.share_preview(preview_input(registration, body, runtime.settings,
                                                               "compliance_officer"))
    if preview.result is None:
        raise PreviewUnanswered()
    return SharePreviewPublic.model_validate(
        preview.result | {"concern_id": str(body.concern_id), "decision_id": preview.decision_id})
