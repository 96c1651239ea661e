from typing import ClassVar

from infohus_platform.settings import ServiceSettings


class NetworkSettings(ServiceSettings):
    service_name: ClassVar[str] = "network"
    default_port: ClassVar[int] = 8004
    infohus_org: str = "netvaerk-nordjylland"
