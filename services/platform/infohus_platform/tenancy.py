"""Which municipalities this instance serves: its tenants.

An instance processes data for one controller (``INFOHUS_ORG``). A municipality's instance
(``kommune-820``) serves that municipality; a police district's (``politi-nordjylland``, regime
``rhl``) and its network's (``netvaerk-nordjylland``) serve the municipalities of the district.
``INFOHUS_MUNICIPALITIES`` (comma-separated kommunekoder) says it explicitly, e.g. for a joint
infohus of several municipalities. Data of any other municipality is refused at the door
(``require_own_tenant``): intake answers 422, a consumer dead-letters the event.
"""

from typing import Protocol

from infohus_contracts.base.municipalities import is_municipality, municipality_name, police_districts
from infohus_platform.errors import RuleViolation

MUNICIPALITY_ORG = "kommune-"
DISTRICT_ORGS = ("politi-", "netvaerk-")


class Tenanted(Protocol):
    """What of an instance's settings (``ServiceSettings``) the tenancy rules read."""

    @property
    def infohus_org(self) -> str: ...

    @property
    def municipalities(self) -> frozenset[str]: ...


class ForeignTenant(RuleViolation):
    """Data of a municipality this instance does not serve: 422 over HTTP, a dead letter on Kafka."""

    def __init__(self, municipality_code: str, reason: str) -> None:
        super().__init__("municipality_code", reason, "tenant")
        self.municipality_code = municipality_code


def parse_codes(value: str) -> frozenset[str]:
    """``"820, 849"`` as codes; refuses any code that is no Danish municipality."""
    codes = frozenset(code.strip() for code in value.split(",") if code.strip())
    unknown = sorted(code for code in codes if not is_municipality(code))
    if unknown:
        raise ValueError(f"unknown municipality codes (kommunekoder): {', '.join(unknown)}")
    return codes


def derived_municipalities(org: str) -> frozenset[str]:
    """The municipalities an org serves by its name alone; refuses an org that names none."""
    if org.startswith(MUNICIPALITY_ORG):
        return parse_codes(org.removeprefix(MUNICIPALITY_ORG))
    found = _district_of(org)
    if found is not None:
        return frozenset(found[1]["municipalities"])
    raise ValueError(f"the municipalities of INFOHUS_ORG {org!r} cannot be derived from its name: "
                     "set INFOHUS_MUNICIPALITIES")


def served_municipalities(org: str, configured: str) -> frozenset[str]:
    """``INFOHUS_MUNICIPALITIES`` when set, else what the org's name says."""
    codes = parse_codes(configured) if configured.strip() else derived_municipalities(org)
    if not codes:
        raise ValueError("INFOHUS_MUNICIPALITIES names no municipality")
    return codes


def serves(settings: Tenanted, municipality_code: str | None) -> bool:
    return municipality_code in settings.municipalities


def require_own_tenant(settings: Tenanted, municipality_code: str | None) -> None:
    """Refuse data of a municipality this instance does not serve, in Danish, naming no person."""
    if municipality_code is None or serves(settings, municipality_code):
        return
    served = ", ".join(f"{municipality_name(code)} ({code})" for code in sorted(settings.municipalities))
    raise ForeignTenant(
        municipality_code,
        f"Infohus {_controller_name(settings.infohus_org)} modtager ikke bekymringer for "
        f"{municipality_name(municipality_code) or 'ukendt'} Kommune ({municipality_code}); send den til "
        f"infohuset i den kommune, den drejer sig om. Her modtages kun: {served}."
    )


def _controller_name(org: str) -> str:
    if org.startswith(MUNICIPALITY_ORG):
        return f"Kommune {org.removeprefix(MUNICIPALITY_ORG)}"
    found = _district_of(org)
    if found is None:
        return org
    prefix, district = found
    return str(district["name"]) if prefix == "politi-" else f"netværket i {district['name']}"


def _district_of(org: str) -> "tuple[str, dict] | None":
    """A police district's or its network's org (``politi-<id>``, ``netvaerk-<id>``): its prefix and district."""
    for prefix in DISTRICT_ORGS:
        district = police_districts().get(org.removeprefix(prefix)) if org.startswith(prefix) else None
        if district is not None:
            return prefix, district
    return None
