from typing import ClassVar

from infohus_platform.settings import ServiceSettings


class IntakeSettings(ServiceSettings):
    service_name: ClassVar[str] = "intake"
    default_port: ClassVar[int] = 8001
