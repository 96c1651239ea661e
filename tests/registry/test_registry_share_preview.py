""""What would be shared?": the policy input from a registration's filled fields, and OPA's answer passed on."""

from uuid import uuid4

import pytest
from registry_fakes import case_opened, keeper

from infohus_platform.errors import NotFound
from infohus_platform.policy import SharePreview
from infohus_platform.runtime import Runtime
from infohus_registry.schemas import SharePreviewCreate
from infohus_registry.service.registrations import register_case
from infohus_registry.service.share_preview import PreviewUnanswered, share_preview

ANSWER = {
    "fields": [{"data_class": "narrative", "legal_basis": [], "name": "description", "obligations": [],
                "reasons": ["network receives aggregates only"], "shared": False}],
    "obligations": [], "policy_version": "2026.11", "purpose": "statistics",
    "recipient": {"kind": "network", "org": "kommune-820"}, "withheld": ["description"], "would_share": [],
}


async def registered(runtime: Runtime) -> str:
    opened = case_opened()
    async with runtime.db.session() as session:
        await register_case(runtime, session, opened)
        await session.commit()
    return str(opened.concern.concern_id)


async def test_the_preview_asks_about_filled_fields_and_passes_the_answer_on(runtime):
    concern_id = await registered(runtime)
    runtime.policy.preview = SharePreview(ANSWER, "dec-preview")
    body = SharePreviewCreate(concern_id=concern_id, recipient_kind="network", purpose="statistics")

    preview = await share_preview(runtime, keeper(runtime, ("compliance_officer",)), body)

    # The same JSON as OPA's answer with the concern and the decision id; no reroute when OPA gave none.
    assert preview.model_dump(mode="json", exclude_unset=True) == ANSWER | {"concern_id": concern_id,
                                                                            "decision_id": "dec-preview"}
    [asked] = [i for kind, i in runtime.policy.asked if kind == "preview"]
    names = {f["name"]: f["data_class"] for f in asked["fields"]}
    assert names["description"] == "narrative" and names["sender"] == "reporter"
    assert "assessment" not in names and "closed_at" not in names  # empty fields are not asked about
    assert (asked["recipient"], asked["purpose"], asked["case_stage"], asked["acting_role"]) == (
        {"kind": "network", "org": "kommune-820"}, "statistics", "received", "compliance_officer")
    assert set(asked["stated_basis"]) <= {"special_category", "criminal"}


async def test_a_reroute_is_passed_on_when_the_policy_gives_one(runtime):
    concern_id = await registered(runtime)
    runtime.policy.preview = SharePreview(ANSWER | {"reroute": "local_police"}, None)
    preview = await share_preview(runtime, keeper(runtime), SharePreviewCreate(concern_id=concern_id,
                                                                                recipient_kind="psychiatry"))
    assert preview.model_dump(exclude_unset=True)["reroute"] == "local_police"


async def test_no_answer_from_the_policy_is_503_and_an_unknown_concern_404(runtime):
    concern_id = await registered(runtime)
    with pytest.raises(PreviewUnanswered) as unanswered:
        await share_preview(runtime, keeper(runtime), SharePreviewCreate(concern_id=concern_id, recipient_kind="x"))
    assert (unanswered.value.status, str(unanswered.value)) == (503, "the share preview policy gave no answer")
    with pytest.raises(NotFound) as missing:
        await share_preview(runtime, keeper(runtime), SharePreviewCreate(concern_id=uuid4(), recipient_kind="x"))
    assert missing.value.detail == "no registration for that concern"
