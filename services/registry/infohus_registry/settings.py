from typing import ClassVar

from infohus_platform.settings import ServiceSettings


class RegistrySettings(ServiceSettings):
    service_name: ClassVar[str] = "registry"
    default_port: ClassVar[int] = 8003
    # Used only until OPA has told the current k; OPA denies any small cell regardless.
    default_k_threshold: int = 5
