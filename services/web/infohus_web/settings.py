from typing import ClassVar

from pydantic import Field, SecretStr

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
    # Sign-in (oidc.py). Production sets the municipality's provider; elsewhere the gateway's own
    # development identity provider at /dev-idp answers, through the same code.
    oidc_discovery_url: str | None = None
    oidc_client_id: str = "infohus-web"
    oidc_client_secret: SecretStr | None = None
    oidc_scope: str = "openid profile"
    # Where the provider sends the browser back; by default this gateway's own /log-ind/retur.
    oidc_redirect_url: str | None = None
    # Sign-in starts per client address: a burst, then so many a minute (429 beyond); pending sign-ins
    # per client (its oldest give way) and in all (the heaviest client's oldest give way: never refused).
    sign_in_burst: int = Field(10, ge=1)
    sign_in_per_minute: float = Field(10.0, gt=0)
    sign_in_pending_per_client: int = Field(10, ge=1)
    sign_in_pending_max: int = Field(10_000, ge=1)
    # Only behind a proxy that sets it: the header naming the client's address (e.g. X-Forwarded-For).
    trusted_proxy_header: str | None = None

    def service_url(self, name: str) -> str:
        return getattr(self, f"infohus_{name}_url")

    @property
    def dev_login(self) -> bool:
        """The development identity provider (/dev-idp) exists only outside production."""
        return self.infohus_env != "production"

    @property
    def discovery_url(self) -> str | None:
        if self.oidc_discovery_url:
            return self.oidc_discovery_url
        if self.dev_login:
            return f"http://127.0.0.1:{self.listen_port}/dev-idp/.well-known/openid-configuration"
        return None

    @property
    def secure_cookie(self) -> bool:
        if self.session_cookie_secure is not None:
            return self.session_cookie_secure
        return self.infohus_env == "production"
