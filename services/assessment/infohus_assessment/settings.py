from typing import ClassVar

from infohus_platform.settings import ServiceSettings


class AssessmentSettings(ServiceSettings):
    service_name: ClassVar[str] = "assessment"
    default_port: ClassVar[int] = 8002
