"""The base model of every contract on Kafka."""

from pydantic import BaseModel, ConfigDict


class Contract(BaseModel):
    """Strict by default: an unknown field is an error, never silently carried along."""

    model_config = ConfigDict(extra="forbid", frozen=True)
