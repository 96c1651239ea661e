from typing import ClassVar

from infohus_platform.settings import ServiceSettings


class NotifySettings(ServiceSettings):
    service_name: ClassVar[str] = "notify"
    default_port: ClassVar[int] = 8005
