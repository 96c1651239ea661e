"""Retention: the schedule is OPA's (a fake here); a registration is erased only when its date has passed."""

from datetime import date, timedelta
from uuid import UUID, uuid4

import pytest
from registry_fakes import case_opened, change, keeper, registry_runtime, rows

from infohus_contracts.case.events import InitialAssessmentMade, PersonErased
from infohus_contracts.case.topics import ERASURE
from infohus_platform.audit.erasure import ErasureProof, concern_ref
from infohus_platform.audit.processing_log import ProcessingLogEntry
from infohus_platform.errors import AccessRefused, NotFound
from infohus_platform.messaging.outbox import OutboxMessage
from infohus_platform.runtime import Runtime
from infohus_registry.jobs import daily
from infohus_registry.schemas import LegalHoldCreate, RetentionPublic, RetentionRunPublic
from infohus_registry.service.registrations import apply_case_change, register_case
from infohus_registry.service.retention import retention_of, run_retention, run_retention_now, set_legal_hold
from infohus_registry.storage import Registration

TODAY = date(2027, 3, 1)


async def closed_as_unfounded(runtime: Runtime) -> str:
    opened = case_opened()
    async with runtime.db.session() as session:
        await register_case(runtime, session, opened)
        await apply_case_change(runtime, session, InitialAssessmentMade(
            **change(opened), approach="internal", outcome="unfounded", stage="closed"))
        await session.commit()
    return str(opened.concern.concern_id)


async def registration(runtime: Runtime, concern_id: str) -> Registration:
    async with runtime.db.session() as session:
        found = await session.get(Registration, concern_id)
    assert found is not None
    return found


async def test_nothing_is_erased_before_the_policy_date(runtime):
    concern_id = await closed_as_unfounded(runtime)
    runtime.policy.delete_on = (TODAY + timedelta(days=1)).isoformat()

    result = await run_retention(runtime, TODAY)

    assert result == RetentionRunPublic(scheduled=1, erased=0)
    kept = await registration(runtime, concern_id)
    assert kept.erased_at is None and kept.description
    assert (kept.delete_on, kept.retention_rule) == (TODAY + timedelta(days=1), "P1")  # the schedule is remembered
    assert [m for m in await rows(runtime, OutboxMessage) if m.topic == ERASURE.name] == []
    [(_, asked)] = [a for a in runtime.policy.asked if a[0] == "retention"]
    assert asked["outcome"] == "unfounded" and asked["legal_hold"] is False and asked["closed_on"]
    assert asked["regime"] == "gdpr"  # the municipality's rules (LEGAL.md §13)


async def test_once_the_date_has_passed_the_registration_is_anonymised_with_proof_and_tombstone(runtime):
    concern_id = await closed_as_unfounded(runtime)
    open_case = case_opened()  # not closed: not even scheduled
    async with runtime.db.session() as session:
        await register_case(runtime, session, open_case)
        await session.commit()
    runtime.policy.delete_on = (TODAY - timedelta(days=1)).isoformat()

    result = await run_retention(runtime, TODAY)

    assert result == RetentionRunPublic(scheduled=1, erased=1)
    erased = await registration(runtime, concern_id)
    assert erased.erased_at is not None and erased.description == "" and erased.sender is None
    assert erased.outcome == "unfounded" and erased.age_band  # the statistics survive
    assert (await registration(runtime, str(open_case.concern.concern_id))).erased_at is None
    [proof] = await rows(runtime, ErasureProof)
    assert (proof.concern_ref, proof.rule, proof.service) == (concern_ref(concern_id), "P1", "registry")
    [tombstone] = [m for m in await rows(runtime, OutboxMessage) if m.topic == ERASURE.name]
    assert PersonErased.model_validate_json(tombstone.body).concern_id.hex == concern_id.replace("-", "")
    assert tombstone.key == concern_id
    assert "erasure:P1" in [e.action for e in await rows(runtime, ProcessingLogEntry)]
    assert runtime.relay.wakes == 1

    again = await run_retention(runtime, TODAY + timedelta(days=30))
    assert again == RetentionRunPublic(scheduled=0, erased=0)  # erased once, never scheduled again


async def test_an_action_that_does_not_delete_erases_nothing(runtime):
    await closed_as_unfounded(runtime)
    runtime.policy.delete_on, runtime.policy.action = (TODAY - timedelta(days=1)).isoformat(), "review"
    assert (await run_retention(runtime, TODAY)).erased == 0
    assert await rows(runtime, ErasureProof) == []


async def test_a_legal_hold_is_set_logged_and_sent_to_the_schedule(runtime):
    concern_id = await closed_as_unfounded(runtime)
    compliance = keeper(runtime, ("compliance_officer",))
    held = await set_legal_hold(runtime, compliance, UUID(concern_id),
                                LegalHoldCreate(legal_hold=True, reason="Klage til Datatilsynet verserer."))
    assert held.model_dump() == {"concern_id": concern_id, "legal_hold": True}
    # The access decision's own log entry, and the change itself, for compliance.
    [entry] = [e for e in await rows(runtime, ProcessingLogEntry)
               if e.action == "retention.hold" and e.purpose == "compliance"]
    assert (entry.actor, entry.subject_ref, entry.actor_roles) == ("u-compliance_officer", concern_id,
                                                                   ["compliance_officer"])

    runtime.policy.delete_on = "2027-01-05"
    plan = await retention_of(runtime, compliance, UUID(concern_id))
    assert isinstance(plan, RetentionPublic)
    assert plan.model_dump() == {"delete_on": "2027-01-05", "rule": "P1", "action": "anonymise", "reason": None,
                                 "legal_hold": True, "erased_at": None}
    assert [a for kind, a in runtime.policy.asked if kind == "retention"][-1]["legal_hold"] is True


async def test_an_unknown_concern_has_no_retention(runtime):
    for call in (retention_of(runtime, keeper(runtime), uuid4()),
                 set_legal_hold(runtime, keeper(runtime), uuid4(), LegalHoldCreate(legal_hold=False, reason="x"))):
        with pytest.raises(NotFound) as missing:
            await call
        assert missing.value.detail == "no registration for that concern"


async def test_an_operator_run_needs_the_right_and_defaults_to_today(runtime):
    await closed_as_unfounded(runtime)
    runtime.policy.delete_on = (date.today() - timedelta(days=1)).isoformat()
    assert (await run_retention_now(runtime, keeper(runtime, ("admin",)), None)).erased == 1
    runtime.policy.allow_access = False
    with pytest.raises(AccessRefused) as refused:
        await run_retention_now(runtime, keeper(runtime, ("ssp_coordinator",)), TODAY)
    assert refused.value.status == 403


async def test_the_job_runs_the_schedule_and_survives_a_failed_run(runtime, monkeypatch):
    await closed_as_unfounded(runtime)
    runtime.policy.delete_on = (date.today() - timedelta(days=1)).isoformat()
    waits: list[float] = []

    async def no_wait(seconds: float) -> None:
        waits.append(seconds)
        if len(waits) == 2:
            raise StopJob

    class StopJob(Exception):
        pass

    monkeypatch.setattr("infohus_registry.jobs.asyncio.sleep", no_wait)
    calls = []
    real = runtime.policy.retention_schedule

    async def flaky(input_data):
        calls.append(input_data)
        if len(calls) == 1:
            raise ConnectionError("OPA away")
        return await real(input_data)

    runtime.policy.retention_schedule = flaky
    with pytest.raises(StopJob):
        await daily(runtime)
    assert waits == [3600, 3600] and len(calls) == 2  # the failed run was tried again an hour later
    assert len(await rows(runtime, ErasureProof)) == 1


async def test_a_police_district_asks_for_its_own_rules(tmp_path):
    """A police district instance (INFOHUS_REGIME=rhl) sends the regime its registrations were made under, so
    the schedule applies retshåndhævelsesloven's rules (policy ``retention.by_regime.rhl``), not the GDPR ones."""
    async for police in registry_runtime(tmp_path, infohus_org="politi-nordjylland", infohus_regime="rhl"):
        concern_id = await closed_as_unfounded(police)
        assert (await registration(police, concern_id)).regime == "rhl"
        police.policy.delete_on, police.policy.rule = (TODAY + timedelta(days=1)).isoformat(), "RHL-P1"

        assert await run_retention(police, TODAY) == RetentionRunPublic(scheduled=1, erased=0)
        plan = await retention_of(police, keeper(police, ("compliance_officer",)), UUID(concern_id))

        asked = [a for kind, a in police.policy.asked if kind == "retention"]
        assert [a["regime"] for a in asked] == ["rhl", "rhl"]
        assert set(asked[0]) == {"outcome", "closed_on", "last_follow_up_on", "legal_hold", "regime"}  # no content
        assert plan.rule == "RHL-P1" and (await registration(police, concern_id)).retention_rule == "RHL-P1"
