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
    # The gateway's address as people reach it (behind a TLS proxy: the proxy's https address). Sign-in's
    # redirect URI and every absolute URL come from here, never from a request's Host header. Unset: this
    # gateway on 127.0.0.1 and its port (http://127.0.0.1:8000).
    web_public_url: str | None = None
    # Strict-Transport-Security on every answer; unset: on when the public address is https.
    hsts_enabled: bool | None = None
    hsts_max_age_seconds: int = Field(31_536_000, ge=0)
    # Sign-in starts per client address: a burst, then so many a minute (429 beyond); pending sign-ins
    # per client (its oldest give way) and in all (the heaviest client's oldest give way: never refused).
    sign_in_burst: int = Field(10, ge=1)
    sign_in_per_minute: float = Field(10.0, gt=0)
    sign_in_pending_per_client: int = Field(10, ge=1)
    sign_in_pending_max: int = Field(10_000, ge=1)
    # Only behind a proxy that sets it: the header naming the client's address (e.g. X-Forwarded-For).
    trusted_proxy_header: str | None = None

    @property
    def instance_services(self) -> tuple[str, ...]:
        """The services of this instance: a municipality's or the police district's in a district has no network
        service (the district network is an instance of its own)."""
        district = self.district()
        kind = district.kind_of(self.infohus_org) if district is not None else None
        if kind is not None and kind.value != "network":
            return tuple(name for name in SERVICE_NAMES if name != "network")
        return SERVICE_NAMES

    def service_url(self, name: str) -> str:
        return getattr(self, f"infohus_{name}_url")

    @property
    def dev_login(self) -> bool:
        """The development identity provider (/dev-idp) exists only outside production."""
        return self.infohus_env != "production"

    @property
    def public_url(self) -> str:
        return (self.web_public_url or f"http://127.0.0.1:{self.listen_port}").rstrip("/")

    @property
    def redirect_url(self) -> str:
        """Where the identity provider sends the browser back after sign-in."""
        return f"{self.public_url}/log-ind/retur"

    @property
    def hsts(self) -> str | None:
        """The ``Strict-Transport-Security`` header's value, or None when it is not sent."""
        enabled = self.hsts_enabled if self.hsts_enabled is not None else self.public_url.startswith("https://")
        return f"max-age={self.hsts_max_age_seconds}" if enabled else None

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
