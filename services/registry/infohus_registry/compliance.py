""""What would be shared?" for compliance staff: per field of a registration, whether it would go to
a recipient and why, as OPA decides it. Nothing is sent.

    python -m infohus_registry.compliance --concern <id> --recipient network --purpose statistics
"""

import argparse
import json
import os
import sys
from typing import Any, Literal
from uuid import UUID

import httpx
from fastapi import APIRouter, HTTPException
from pydantic import BaseModel, Field

from infohus_platform.auth import GuardDep, resource
from infohus_platform.runtime import RuntimeDep

from .storage import Registration, RegistrationRepository

router = APIRouter(prefix="/api/v1/compliance", tags=["compliance"])
PREVIEW = ("infohus/share", "preview")


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
        "sender": {"service": "registry", "org": settings.infohus_org, "regime": settings.infohus_regime},
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
    answer = await runtime.policy.query(*PREVIEW, preview_input(registration, body, runtime.settings,
                                                                "compliance_officer"))
    result = answer.get("result")
    if not isinstance(result, dict):
        raise HTTPException(503, detail="the share preview policy gave no answer")
    return result | {"concern_id": str(body.concern_id), "decision_id": answer.get("decision_id")}


def main() -> int:
    parser = argparse.ArgumentParser(description="What would be shared with a recipient? Nothing is sent.")
    parser.add_argument("--concern", required=True, help="concern id")
    parser.add_argument("--recipient", required=True, help="recipient kind, e.g. network, local_police")
    parser.add_argument("--purpose", default="prevention")
    parser.add_argument("--necessity", default=None, help="the necessity reason, for § 115 recipients")
    parser.add_argument("--registry", default=os.environ.get("REGISTRY_URL", "http://127.0.0.1:8003"))
    parser.add_argument("--json", action="store_true", help="also print the policy's whole answer")
    parser.add_argument("--token", default=os.environ.get("INFOHUS_TOKEN"),
                        help="a compliance officer's bearer token (default: INFOHUS_TOKEN, or a dev token)")
    args = parser.parse_args()
    token = args.token
    if not token:
        from infohus_platform.devidp import issue_token

        token = issue_token("compliance_officer")
    response = httpx.post(f"{args.registry}/api/v1/compliance/share-preview", timeout=10,
                          headers={"Authorization": f"Bearer {token}"},
                          json={"concern_id": args.concern, "recipient_kind": args.recipient, "purpose": args.purpose,
                                "necessity_reason": args.necessity})
    if response.status_code != 200:
        print(f"{response.status_code}: {response.text}", file=sys.stderr)
        return 1
    result = response.json()
    print(f"Recipient {args.recipient}, purpose {args.purpose} (policy {result.get('policy_version')}):")
    for field in result["fields"]:
        verdict = "WOULD GO " if field["shared"] else "withheld "
        print(f"  {verdict} {field['name']:<18} [{field['data_class']}] {'; '.join(field['reasons'])}")
    if args.json:
        print(json.dumps(result, indent=2, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    sys.exit(main())
