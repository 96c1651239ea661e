from typing import ClassVar

from pydantic import Field, field_validator

from infohus_contracts.base.municipalities import police_districts
from infohus_platform.settings import ServiceSettings


class NetworkSettings(ServiceSettings):
    service_name: ClassVar[str] = "network"
    default_port: ClassVar[int] = 8004
    infohus_org: str = "netvaerk-nordjylland"
    # The police district this network serves (INFOHUS_DISTRICT); aggregates from elsewhere are ignored.
    infohus_district: str = "nordjylland"
    # Used only until OPA has told the current k; the combined district cells are suppressed below it.
    default_k_threshold: int = Field(5, ge=2)
    # Starting values of the district's cadence; the forum changes them through the API.
    default_cadence_months: int = Field(3, ge=3, le=6)
    default_summon_notice_days: int = Field(14, ge=1, le=90)
    attachment_max_bytes: int = Field(10 * 1024 * 1024, ge=1024)

    @field_validator("infohus_district")
    @classmethod
    def _known_district(cls, value: str) -> str:
        if value not in police_districts():
            raise ValueError(f"unknown police district; known: {', '.join(sorted(police_districts()))}")
        return value
