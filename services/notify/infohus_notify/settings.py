from pathlib import Path
from typing import ClassVar

from pydantic import Field, SecretStr

from infohus_contracts.base.district import OrgKind
from infohus_platform.settings import ServiceSettings

NETWORK_ORG_PREFIX = "netvaerk-"


class NotifySettings(ServiceSettings):
    service_name: ClassVar[str] = "notify"
    default_port: ClassVar[int] = 8005

    # E-mail (SMTP_HOST, SMTP_PORT, ...)
    smtp_host: str = "127.0.0.1"
    smtp_port: int = 1025
    smtp_username: str | None = None
    smtp_password: SecretStr | None = None
    smtp_starttls: bool = False
    smtp_use_tls: bool = False
    smtp_timeout_seconds: float = 10.0
    mail_from: str = "Infohus <infohus@localhost>"

    # Digital Post: the file-drop adapter writes each letter (HTML) and its JSON envelope here.
    # None: <INFOHUS_DATA_DIR>/digital-post.
    digital_post_dir: Path | None = None
    # How a citizen is reached, in order of preference, among what the sealed address holds.
    citizen_channels: list[str] = Field(default_factory=lambda: ["digital_post", "email"])
    # The key the producers seal citizens' addresses with (base64 of 32 bytes).
    infohus_addressing_key: SecretStr | None = None

    # Templates (Jinja2, Danish). Compliance staff point this at an edited copy; None: the built-in ones.
    notify_templates_dir: Path | None = None
    # Staff directory (JSON): users, their roles, e-mail addresses and optional webhooks.
    notify_staff_directory: Path | None = None
    # Partner subscriptions (JSON): id, event types, and a webhook and/or an own Kafka topic.
    notify_partners_file: Path | None = None
    # Where links in staff messages point (the platform UI); link_path is appended.
    notify_ui_base_url: str = "http://127.0.0.1:8000"
    # Shown in the duty-to-inform letter. The controller's official name, e.g. "Vesthimmerlands Kommune";
    # None: "<municipality name> Kommune".
    notify_controller_name: str | None = None
    notify_controller_contact: str = (
        "Kommunens SSP-koordinator kan kontaktes via kommunens hovednummer eller Digital Post."
    )
    notify_dpo_contact: str = (
        "Kommunens databeskyttelsesrådgiver kan kontaktes via kommunens hovednummer eller Digital Post."
    )

    # Delivery: attempts per message, exponential backoff between them (tenacity).
    notify_max_attempts: int = Field(5, ge=1, le=20)
    notify_backoff_seconds: float = Field(1.0, gt=0)
    notify_backoff_max_seconds: float = Field(60.0, gt=0)
    notify_dispatch_poll_seconds: float = Field(1.0, gt=0)
    notify_dispatch_concurrency: int = Field(8, ge=1)
    notify_lease_seconds: float = Field(300.0, gt=0)
    webhook_timeout_seconds: float = 5.0
    # Signs webhooks to staff (chat channels etc. named in the staff directory).
    notify_staff_webhook_secret: SecretStr | None = None

    # Timing rules (LEGAL.md §3.1)
    urgent_send_within_minutes: int = 15
    regular_summons_notice_days: int = 7
    # A notice held for an honour-related conflict is reviewed after this many days.
    honour_review_days: int = Field(14, ge=0)

    def digital_post_path(self) -> Path:
        return self.digital_post_dir or (self.infohus_data_dir / "digital-post")

    @property
    def network_instance(self) -> bool:
        """Whether this notify is a district network's (Infohus Netværk): the district document's kind of
        ``INFOHUS_ORG`` when it names it, else the org's name (``netvaerk-<district>``). Such an instance holds
        no case: it sends the network's summons (and aggregates to partners), nothing else."""
        district = self.district()
        kind = district.kind_of(self.infohus_org) if district is not None else None
        if kind is not None:
            return kind is OrgKind.NETWORK
        return self.infohus_org.startswith(NETWORK_ORG_PREFIX)
