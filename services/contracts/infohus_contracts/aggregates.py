"""Aggregates for the district network: the network's only inbound contract."""

from datetime import datetime
from enum import StrEnum
from uuid import UUID

from pydantic import model_validator

from .classes import DataClass, classified
from .events import Contract


class AggregateMetric(StrEnum):
    CONCERNS_RECEIVED = "concerns_received"


class AggregateReport(Contract):
    """``infohus.network.aggregates.v1``: counts only, small cells suppressed.

    The network's only inbound contract: no identifiers, no free text, nothing else accepted.
    """

    report_id: UUID = classified(DataClass.AGGREGATE)
    municipality_code: str = classified(DataClass.AGGREGATE, pattern=r"^\d{3}$")
    period: str = classified(DataClass.AGGREGATE, pattern=r"^\d{4}-(0[1-9]|1[0-2])$")
    metric: AggregateMetric = classified(DataClass.AGGREGATE)
    count: int | None = classified(DataClass.AGGREGATE, ge=0)
    suppressed: bool = classified(DataClass.AGGREGATE)
    k: int = classified(DataClass.AGGREGATE, ge=2)
    computed_at: datetime = classified(DataClass.AGGREGATE)

    @model_validator(mode="after")
    def _suppression(self) -> "AggregateReport":
        if self.suppressed != (self.count is None):
            raise ValueError("count must be null exactly when suppressed")
        if self.count is not None and 0 < self.count < self.k:
            raise ValueError("a count below k must be suppressed")
        return self
