"""Registry rules without I/O: periods, age bands, the registration kept current, retention, erasure."""

from datetime import UTC, date, datetime, timedelta
from types import SimpleNamespace

import pytest
from registry_fakes import case_opened, change

from infohus_contracts.case.events import CaseAssessed, EffortDecided, InitialAssessmentMade
from infohus_platform.settings import _async_driver
from infohus_registry.domain import (
    ERASED_FIELDS,
    age_band,
    aggregate_report,
    anonymise,
    apply_change,
    erasure_due,
    municipality_statistics,
    period_of,
    retention_input,
    retention_outcome,
)
from infohus_registry.settings import RegistrySettings


@pytest.mark.parametrize(("count", "shown"), [(0, 0), (1, None), (4, None), (5, 5), (12, 12)])
def test_small_cells_are_suppressed(count, shown):
    report = aggregate_report("820", "2026-11", count, 5, datetime.now(UTC))
    assert report.count == shown
    assert report.suppressed is (shown is None)


def test_periods_and_age_bands():
    assert period_of(datetime(2026, 3, 9, tzinfo=UTC)) == "2026-03"
    assert [age_band(a) for a in (None, 12, 16, 20, 30, 50)] == ["unknown", "0-14", "15-17", "18-24", "25-34", "35+"]


def test_each_service_gets_its_own_database(monkeypatch):
    monkeypatch.setenv("DATABASE_URL", "postgresql://u:p@db:5432/infohus")
    assert RegistrySettings().storage_url() == "postgresql+asyncpg://u:p@db:5432/infohus_registry"
    monkeypatch.setenv("REGISTRY_DATABASE_URL", "postgresql://u:p@other/reg")
    assert RegistrySettings().storage_url() == "postgresql+asyncpg://u:p@other/reg"
    monkeypatch.delenv("DATABASE_URL")
    monkeypatch.delenv("REGISTRY_DATABASE_URL")
    assert RegistrySettings().storage_url().startswith("sqlite+aiosqlite:///")
    assert _async_driver("sqlite:///x.db") == "sqlite+aiosqlite:///x.db"


def registration(**fields):
    base = dict(outcome=None, assessment=None, assessed_by=None, closed_at=None, concern_level=None,
                decision=None, lead="ssp_coordinator", effort_level=None, last_follow_up_on=None, legal_hold=False)
    return SimpleNamespace(**(base | fields))


def test_case_events_keep_the_registration_current():
    opened = case_opened()
    kept = registration()
    closed_at = datetime(2026, 11, 24, 9, tzinfo=UTC)
    assert apply_change(kept, InitialAssessmentMade(**change(opened, at=closed_at), approach="internal",
                                                    outcome="unfounded", stage="closed"))
    assert (kept.outcome, kept.closed_at, kept.assessed_by) == ("unfounded", closed_at, "u-ssp-820")
    assert kept.assessment == "Indledende vurdering (internal): ubegrundet"

    assert apply_change(kept, CaseAssessed(**change(opened), assessment_id=opened.case_id, instrument_version="1",
                                           concern_level="moderat", security_aspect="Lav.", social_aspect="Svag."))
    assert kept.concern_level == "moderat" and kept.assessment.startswith("Bekymringsniveau: moderat.")

    assert apply_change(kept, EffortDecided(**change(opened), decision_id=opened.case_id, effort_level="preventive",
                                            measures=["mentor"], report_to_pet=False, lead="local_police",
                                            standing=False))
    assert kept.lead == "local_police" and kept.effort_level == "preventive"
    assert kept.decision.endswith("indberetning til PET: nej; afventer ledelsens godkendelse")


def test_an_event_the_registration_does_not_hold_changes_nothing():
    kept = registration()
    event = SimpleNamespace(kind="case.enrichment_requested")
    assert apply_change(kept, event) is False
    assert kept == registration()


@pytest.mark.parametrize(("outcome", "expected"), [("unfounded", "unfounded"), ("honour_related", "forwarded"),
                                                   ("not_radicalisation", "forwarded"), ("upheld", "effort"),
                                                   (None, "effort")])
def test_the_retention_schedule_is_asked_by_outcome_and_dates(outcome, expected):
    closed = registration(outcome=outcome, closed_at=datetime(2026, 1, 5, 12, tzinfo=UTC),
                          last_follow_up_on=date(2026, 6, 1))
    assert retention_outcome(closed) == expected
    assert retention_input(closed) == {"outcome": expected, "closed_on": "2026-01-05",
                                       "last_follow_up_on": "2026-06-01", "legal_hold": False}
    assert retention_input(registration(outcome=outcome))["closed_on"] is None


def test_erasure_is_due_only_once_the_date_has_come_and_the_action_deletes():
    today = date(2027, 1, 5)
    assert erasure_due(today, "anonymise", today) and erasure_due(today - timedelta(days=1), "delete", today)
    assert not erasure_due(today + timedelta(days=1), "anonymise", today)
    assert not erasure_due(None, "anonymise", today)
    assert not erasure_due(today, "review", today)  # e.g. the policy was undefined: nothing is deleted


def test_anonymising_keeps_what_statistics_need():
    now = datetime.now(UTC)
    kept = registration(**dict.fromkeys(ERASED_FIELDS, "noget"), description="Beskrivelse", concern_signs=["x"],
                        age_band="15-17", outcome="unfounded", erased_at=None)
    anonymise(kept, now)
    assert all(getattr(kept, name) is None for name in ERASED_FIELDS)
    assert (kept.description, kept.concern_signs, kept.erased_at) == ("", [], now)
    assert (kept.age_band, kept.outcome) == ("15-17", "unfounded")


def test_the_municipality_sees_its_own_counts_unsuppressed():
    rows = [SimpleNamespace(period="2026-11", concern_level=None, source_category="police", age_band="15-17",
                            outcome="unfounded", effort_level=None)] * 2
    stats = municipality_statistics(rows, "2026-10", None)
    assert stats == {"from": "2026-10", "to": None, "volume": 2, "by_period": {"2026-11": 2},
                     "concern_levels": {"ukendt": 2}, "sources": {"police": 2}, "age_bands": {"15-17": 2},
                     "outcomes": {"unfounded": 2}, "efforts": {"ukendt": 2}}
