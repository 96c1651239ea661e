"""Which municipalities an instance serves (INFOHUS_MUNICIPALITIES, or derived from INFOHUS_ORG), checked at load."""

from typing import ClassVar

import pytest
from pydantic import ValidationError

from infohus_contracts.base.municipalities import police_districts
from infohus_platform.errors import RuleViolation
from infohus_platform.settings import ServiceSettings
from infohus_platform.tenancy import ForeignTenant, require_own_tenant

NORDJYLLAND = frozenset(police_districts()["nordjylland"]["municipalities"])


class Settings(ServiceSettings):
    service_name: ClassVar[str] = "intake"
    default_port: ClassVar[int] = 8001


@pytest.fixture(autouse=True)
def clean_environment(monkeypatch):
    for name in ("INFOHUS_ORG", "INFOHUS_REGIME", "INFOHUS_MUNICIPALITIES"):
        monkeypatch.delenv(name, raising=False)


def test_a_municipality_serves_itself_by_default():
    assert Settings().municipalities == {"820"}
    assert Settings(infohus_org="kommune-851").municipalities == {"851"}


def test_a_police_district_and_its_network_serve_the_district():
    assert Settings(infohus_org="politi-nordjylland", infohus_regime="rhl").municipalities == NORDJYLLAND
    assert Settings(infohus_org="netvaerk-nordjylland").municipalities == NORDJYLLAND
    assert "851" in NORDJYLLAND and "101" not in NORDJYLLAND


def test_infohus_municipalities_from_the_environment_wins(monkeypatch):
    monkeypatch.setenv("INFOHUS_ORG", "kommune-820")
    monkeypatch.setenv("INFOHUS_MUNICIPALITIES", " 820, 849 ,")
    assert Settings().municipalities == {"820", "849"}


@pytest.mark.parametrize("codes", ["820,999", "82", "abc"])
def test_an_unknown_code_is_refused_at_load(monkeypatch, codes):
    monkeypatch.setenv("INFOHUS_MUNICIPALITIES", codes)
    with pytest.raises(ValidationError, match="unknown municipality codes"):
        Settings()


@pytest.mark.parametrize("org", ["efterskole-x", "kommune-999", "politi-atlantis"])
def test_an_org_that_names_no_municipality_needs_the_setting(org):
    with pytest.raises(ValidationError, match="infohus_municipalities"):
        Settings(infohus_org=org)
    assert Settings(infohus_org=org, infohus_municipalities="820").municipalities == {"820"}


def test_an_own_municipality_passes():
    require_own_tenant(Settings(), "820")
    require_own_tenant(Settings(infohus_org="politi-nordjylland", infohus_regime="rhl"), "851")


def test_another_municipality_is_refused_naming_the_field_in_danish():
    with pytest.raises(ForeignTenant) as refused:
        require_own_tenant(Settings(), "851")
    error = refused.value
    assert isinstance(error, RuleViolation) and error.status == 422
    assert (error.field, error.error_type, error.municipality_code) == ("municipality_code", "tenant", "851")
    assert error.reason.startswith("Infohus Kommune 820 modtager ikke bekymringer for Aalborg Kommune (851)")
    assert "Vesthimmerland (820)" in error.reason


def test_a_police_district_refuses_a_municipality_outside_it():
    with pytest.raises(ForeignTenant) as refused:
        require_own_tenant(Settings(infohus_org="politi-nordjylland", infohus_regime="rhl"), "101")
    assert refused.value.reason.startswith("Infohus Nordjyllands Politi modtager ikke bekymringer for København")
