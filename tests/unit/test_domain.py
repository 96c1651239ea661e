"""Domain rules of the services, without I/O."""

from datetime import UTC, datetime

import pytest

from infohus_assessment.domain import lead_for
from infohus_contracts.case.events import LeadRole
from infohus_contracts.case.notifications import NotificationKind, NotificationRequested
from infohus_notify.domain import initial_status
from infohus_platform.settings import _async_driver
from infohus_registry.domain import age_band, period_of
from infohus_registry.settings import RegistrySettings
from infohus_registry.statistics import aggregate_report


@pytest.mark.parametrize(("age", "lead"), [(None, LeadRole.SSP_COORDINATOR), (17, LeadRole.SSP_COORDINATOR),
                                           (18, LeadRole.LOCAL_POLICE), (40, LeadRole.LOCAL_POLICE)])
def test_lead_by_age(age, lead):
    assert lead_for(age) == lead


@pytest.mark.parametrize(("count", "shown"), [(0, 0), (1, None), (4, None), (5, 5), (12, 12)])
def test_small_cells_are_suppressed(count, shown):
    report = aggregate_report("820", "2026-11", count, 5, datetime.now(UTC))
    assert report.count == shown
    assert report.suppressed is (shown is None)


def test_periods_and_age_bands():
    assert period_of(datetime(2026, 3, 9, tzinfo=UTC)) == "2026-03"
    assert [age_band(a) for a in (None, 12, 16, 20, 30, 50)] == ["unknown", "0-14", "15-17", "18-24", "25-34", "35+"]


def test_honour_related_notice_is_held():
    request = NotificationRequested(notification_id="00000000-0000-0000-0000-000000000001",
                                    concern_id="00000000-0000-0000-0000-000000000002", municipality_code="820",
                                    kind=NotificationKind.DUTY_TO_INFORM, honour_conflict=True,
                                    requested_at=datetime.now(UTC))
    assert initial_status(request)[0] == "held"
    assert initial_status(request.model_copy(update={"honour_conflict": False}))[0] == "recorded"


def test_each_service_gets_its_own_database(monkeypatch):
    monkeypatch.setenv("DATABASE_URL", "postgresql://u:p@db:5432/infohus")
    assert RegistrySettings().storage_url() == "postgresql+asyncpg://u:p@db:5432/infohus_registry"
    monkeypatch.setenv("REGISTRY_DATABASE_URL", "postgresql://u:p@other/reg")
    assert RegistrySettings().storage_url() == "postgresql+asyncpg://u:p@other/reg"
    monkeypatch.delenv("DATABASE_URL")
    monkeypatch.delenv("REGISTRY_DATABASE_URL")
    assert RegistrySettings().storage_url().startswith("sqlite+aiosqlite:///")
    assert _async_driver("sqlite:///x.db") == "sqlite+aiosqlite:///x.db"
