from typing import ClassVar

from infohus_platform.settings import ServiceSettings

SERVICE_NAMES = ("intake", "assessment", "registry", "network", "notify")


class WebSettings(ServiceSettings):
    """The gateway's settings. It owns no database and no Kafka consumer: only the services' URLs."""

    service_name: ClassVar[str] = "web"
    default_port: ClassVar[int] = 8000

    infohus_intake_url: str = "http://127.0.0.1:8001"
    infohus_assessment_url: str = "http://127.0.0.1:8002"
    infohus_registry_url: str = "http://127.0.0.1:8003"
    infohus_network_url: str = "http://127.0.0.1:8004"
    infohus_notify_url: str = "http://127.0.0.1:8005"
    api_timeout_seconds: float = 10.0
    session_ttl_seconds: int = 8 * 3600
    # The session cookie carries only a random id; the token stays on the server. Secure outside dev/test.
    session_cookie_secure: bool | None = None

    def service_url(self, name: str) -> str:
        return getattr(self, f"infohus_{name}_url")

    @property
    def dev_login(self) -> bool:
        """The development identity provider's sign-in page exists only outside production."""
        return self.infohus_env != "production"

    @property
    def secure_cookie(self) -> bool:
        if self.session_cookie_secure is not None:
            return self.session_cookie_secure
        return self.infohus_env == "production"
