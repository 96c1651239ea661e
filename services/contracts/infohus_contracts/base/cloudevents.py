"""CloudEvents attributes in Kafka headers (the CloudEvents Kafka protocol binding, binary mode)."""

from datetime import UTC, datetime

from pydantic import BaseModel, Field

SPEC_VERSION = "1.0"
CONTENT_TYPE = "application/json"


class CloudEventAttributes(BaseModel):
    id: str = Field(min_length=1)
    source: str = Field(min_length=1)
    type: str = Field(min_length=1)
    specversion: str = SPEC_VERSION
    time: datetime
    subject: str | None = None

    def to_headers(self) -> dict[str, str]:
        headers = {
            "ce_id": self.id,
            "ce_source": self.source,
            "ce_type": self.type,
            "ce_specversion": self.specversion,
            "ce_time": self.time.astimezone(UTC).isoformat(),
            "content-type": CONTENT_TYPE,
        }
        if self.subject:
            headers["ce_subject"] = self.subject
        return headers

    @classmethod
    def from_headers(cls, headers: dict[str, str | bytes]) -> "CloudEventAttributes":
        def text(key: str) -> str | None:
            value = headers.get(key)
            return value.decode() if isinstance(value, bytes) else value

        return cls.model_validate(
            {
                "id": text("ce_id"),
                "source": text("ce_source"),
                "type": text("ce_type"),
                "specversion": text("ce_specversion") or "",
                "time": text("ce_time"),
                "subject": text("ce_subject"),
            }
        )
