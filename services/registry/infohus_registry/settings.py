from typing import ClassVar

from pydantic import Field

from infohus_platform.settings import ServiceSettings


class RegistrySettings(ServiceSettings):
    service_name: ClassVar[str] = "registry"
    default_port: ClassVar[int] = 8003
    # Used only until OPA has told the current k; OPA denies any small cell regardless.
    default_k_threshold: int = 5
    # How often the aggregates of the months that changed are staged for the network (seconds).
    aggregate_interval_seconds: float = Field(5.0, gt=0)
