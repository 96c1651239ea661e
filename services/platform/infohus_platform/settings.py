"""Settings from the environment. One class per service derives from ``ServiceSettings``."""

import functools
import hashlib
import json
import os
from pathlib import Path
from typing import ClassVar

from pydantic import Field, ValidationInfo, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from infohus_contracts.base.district import District, load_district

from .tenancy import served_municipalities


@functools.cache
def _district(path: Path) -> District:
    return load_district(path)


class ServiceSettings(BaseSettings):
    model_config = SettingsConfigDict(extra="ignore", case_sensitive=False)

    service_name: ClassVar[str]
    default_port: ClassVar[int]

    host: str = "127.0.0.1"
    port: int | None = None
    # The controller this instance processes data for, e.g. "kommune-820" (GDPR) or a police district (rhl).
    infohus_org: str = "kommune-820"
    infohus_regime: str = Field("gdpr", pattern="^(gdpr|rhl)$")
    # The municipalities this instance serves (comma-separated kommunekoder); empty: derived from
    # INFOHUS_ORG (tenancy.py). Data of any other municipality is refused.
    infohus_municipalities: str = Field("", validate_default=True)
    # The basis this controller relies on for art. 9 and art. 10 data; OPA checks it is valid for the regime.
    special_category_basis: str = "dbl_7_4"
    criminal_basis: str = "dbl_8_2_3"
    kafka_bootstrap_servers: str = "127.0.0.1:9092"
    kafka_topic_prefix: str = ""
    # PLAINTEXT, or SASL_PLAINTEXT/SASL_SSL with one principal per service (see kafka_credentials).
    kafka_security_protocol: str = Field("PLAINTEXT", pattern="^(PLAINTEXT|SASL_PLAINTEXT|SASL_SSL)$")
    kafka_sasl_mechanism: str = Field("PLAIN", pattern="^(PLAIN|SCRAM-SHA-256|SCRAM-SHA-512)$")
    kafka_username: str | None = None
    kafka_password: str | None = None
    kafka_credentials_file: Path | None = None  # {"<principal>": "<password>", ...}, as infra.sh writes it
    opa_url: str = "http://127.0.0.1:8181"
    opa_timeout_seconds: float = 2.0
    database_url: str | None = None
    infohus_data_dir: Path = Path("var")
    log_level: str = "INFO"
    # "dev" lets the services trust the development identity provider's key set (var/dev-idp).
    infohus_env: str = Field("dev", pattern="^(dev|test|production)$")
    oidc_jwks_url: str | None = None
    oidc_issuer: str = "infohus-dev-idp"
    oidc_audience: str = "infohus"
    infohus_dev_idp_dir: Path = Path("var/dev-idp")
    outbox_poll_seconds: float = 1.0
    # The largest request body a route that takes a model may be sent (413 beyond it).
    max_request_bytes: int = Field(1024 * 1024, ge=1024)
    # The ceiling for a route that reads the raw body itself under its own, lower limit (the network's
    # attachment upload, ATTACHMENT_MAX_BYTES).
    max_upload_bytes: int = Field(32 * 1024 * 1024, ge=1024)
    # Validation errors listed in a 422 answer; how many more there were is said, never listed.
    max_validation_errors: int = Field(20, ge=1, le=200)
    consumer_max_attempts: int = 5
    # A consumer takes up to this many records at once and handles them in one transaction; it waits at
    # most the timeout for a batch to fill.
    consumer_batch_size: int = Field(100, ge=1, le=10_000)
    consumer_batch_timeout_ms: int = Field(100, ge=1, le=10_000)
    # The district of instances this one belongs to (``infohus_contracts.base.district``): the trust list of
    # organisations, their keys and identity providers, and the agreements. Unset: a stand-alone instance
    # that exchanges nothing with other organisations.
    infohus_district_file: Path | None = None
    # The district's exchange cluster (a Kafka cluster apart from the instance's own), where this
    # organisation connects as its own principal (``infohus_org``) and writes only its outbound link topics.
    exchange_bootstrap_servers: str | None = None
    # Prefix of the link topics and this organisation's consumer groups on the exchange cluster (the tests use one
    # per run); apart from KAFKA_TOPIC_PREFIX, which is the instance's own.
    exchange_topic_prefix: str = ""
    exchange_security_protocol: str = Field("PLAINTEXT", pattern="^(PLAINTEXT|SASL_PLAINTEXT|SASL_SSL)$")
    exchange_sasl_mechanism: str = Field("PLAIN", pattern="^(PLAIN|SCRAM-SHA-256|SCRAM-SHA-512)$")
    exchange_password: str | None = None
    exchange_credentials_file: Path | None = None  # {"<org>": "<password>", ...}, as infra.sh writes it
    # This organisation's private signing key (an Ed25519 JWK with its ``kid``), whose public half is in the
    # district document; every message it sends another organisation is signed with it.
    exchange_signing_key_file: Path | None = None
    # The district's key (base64, 32 bytes) for the known-elsewhere index's pseudonyms (a keyed HMAC of the
    # CPR number): the same for every member, never sent anywhere.
    district_index_key: str | None = None

    @field_validator("infohus_municipalities")
    @classmethod
    def _known_municipalities(cls, value: str, info: ValidationInfo) -> str:
        """Every code must exist; stored as the sorted codes, derived from the org when not given."""
        return ",".join(sorted(served_municipalities(info.data.get("infohus_org", ""), value)))

    def district(self) -> "District | None":
        """The district document (``INFOHUS_DISTRICT_FILE``), read once; ``None`` for a stand-alone instance."""
        if self.infohus_district_file is None:
            return None
        return _district(self.infohus_district_file.resolve())

    def exchange_credentials(self) -> tuple[str, str]:
        """This organisation's principal on the exchange cluster (its org id) and its password."""
        if self.exchange_password:
            return self.infohus_org, self.exchange_password
        if self.exchange_credentials_file is None:
            raise ValueError(f"exchange {self.exchange_security_protocol} needs EXCHANGE_PASSWORD or "
                             "EXCHANGE_CREDENTIALS_FILE")
        passwords = json.loads(Path(self.exchange_credentials_file).read_text("utf-8"))
        if not isinstance(passwords, dict) or not passwords.get(self.infohus_org):
            raise ValueError(f"no password for the exchange principal {self.infohus_org!r} in "
                             f"{self.exchange_credentials_file}")
        return self.infohus_org, str(passwords[self.infohus_org])

    @property
    def municipalities(self) -> frozenset[str]:
        """The kommunekoder this instance serves (``tenancy.py``)."""
        return frozenset(self.infohus_municipalities.split(","))

    @property
    def listen_port(self) -> int:
        return self.port or self.default_port

    @property
    def source(self) -> str:
        """The CloudEvents ``source`` of everything this service publishes."""
        return f"/infohus/{self.infohus_org}/{self.service_name}"

    def sender(self) -> dict[str, str]:
        """This service as the sender of a share, as the share policy reads it."""
        return {"service": self.service_name, "org": self.infohus_org, "regime": self.infohus_regime}

    def stated_basis(self, data_classes: "list[str] | set[str]") -> dict[str, str]:
        """The basis this controller states for the art. 9 and art. 10 data in a share."""
        bases = {"special_category": self.special_category_basis, "criminal": self.criminal_basis}
        return {data_class: basis for data_class, basis in bases.items() if data_class in data_classes}

    def person_key(self, cpr: str | None) -> str | None:
        """Links one person's records (access requests, comparisons) without copying the CPR number."""
        if not cpr:
            return None
        return hashlib.sha256(f"{self.infohus_org}:{cpr}".encode()).hexdigest()

    def controlled(self) -> dict[str, str]:
        """The controller and regime every person record carries."""
        return {"controller": self.infohus_org, "regime": self.infohus_regime}

    def group_id(self) -> str:
        return f"{self.kafka_topic_prefix}infohus.{self.service_name}"

    def kafka_credentials(self) -> tuple[str, str]:
        """This service's Kafka principal and password.

        Explicit ``KAFKA_USERNAME``/``KAFKA_PASSWORD`` win; else the principal is the service's name
        and its password is looked up in ``KAFKA_CREDENTIALS_FILE``.
        """
        username = self.kafka_username or self.service_name
        if self.kafka_password:
            return username, self.kafka_password
        if self.kafka_credentials_file is None:
            raise ValueError(f"Kafka {self.kafka_security_protocol} needs KAFKA_PASSWORD or KAFKA_CREDENTIALS_FILE")
        passwords = json.loads(Path(self.kafka_credentials_file).read_text("utf-8"))
        if not isinstance(passwords, dict) or not passwords.get(username):
            raise ValueError(f"no password for the Kafka principal {username!r} in {self.kafka_credentials_file}")
        return username, str(passwords[username])

    def storage_url(self) -> str:
        """This service's own database: never shared with another service.

        ``<SERVICE>_DATABASE_URL`` wins; else ``DATABASE_URL`` names a PostgreSQL server and the
        service uses the database ``<name>_<service>`` on it; else an SQLite file in the data dir.
        """
        own = os.environ.get(f"{self.service_name.upper()}_DATABASE_URL")
        if own:
            return _async_driver(own)
        if self.database_url:
            base = _async_driver(self.database_url)
            head, _, name = base.rpartition("/")
            name, sep, query = name.partition("?")
            return f"{head}/{name or 'infohus'}_{self.service_name}{sep}{query}"
        return f"sqlite+aiosqlite:///{(self.infohus_data_dir / f'{self.service_name}.db').resolve()}"


def _async_driver(url: str) -> str:
    for plain in ("postgresql://", "postgres://", "postgresql+psycopg2://", "postgresql+psycopg://"):
        if url.startswith(plain):
            return "postgresql+asyncpg://" + url[len(plain) :]
    if url.startswith("sqlite:///"):
        return "sqlite+aiosqlite:///" + url[len("sqlite:///") :]
    return url


def jwks_location(settings: ServiceSettings) -> str:
    """The identity provider's key set; development keys only outside production."""
    if settings.oidc_jwks_url:
        return settings.oidc_jwks_url
    if settings.infohus_env == "production":
        raise ValueError("OIDC_JWKS_URL must be set in production: the development key set is refused")
    from .devidp import ensure_keys

    return str(ensure_keys(settings.infohus_dev_idp_dir).resolve())
