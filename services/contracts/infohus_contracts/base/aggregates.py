"""Aggregates for the district network: the network's only inbound contract.

One report is one cell: a municipality's count for a period, either the volume
(``concerns_received``) or one value of one dimension (``age_band`` = ``15-17``). Counts only,
small cells suppressed, and no field that could carry a name, a number or free text: a dimension
value is a code from a closed set (age bands, source categories) or a lowercase code of letters
and underscores (concern levels, outcomes, effort levels), never digits, never spaces.
"""

import re
from datetime import datetime
from enum import StrEnum
from uuid import UUID

from pydantic import model_validator

from .classes import DataClass, classified
from .codes import SourceCategory
from .contract import Contract

A = DataClass.AGGREGATE


class AggregateMetric(StrEnum):
    """What a cell counts. ``concerns_received`` is the volume; the others are dimensions of it."""

    CONCERNS_RECEIVED = "concerns_received"
    CONCERN_LEVEL = "concern_level"
    SOURCE_CATEGORY = "source_category"
    AGE_BAND = "age_band"
    OUTCOME = "outcome"
    EFFORT_LEVEL = "effort_level"


AGE_BANDS = ("0-14", "15-17", "18-24", "25-34", "35+", "unknown")
# Values of the dimensions whose codes are owned elsewhere (assessment): letters and underscores only,
# so a value can never be a CPR number, a date, a case id or a sentence.
CODE_PATTERN = re.compile(r"[a-z][a-z_]{0,39}")
DIMENSIONS: tuple[AggregateMetric, ...] = tuple(m for m in AggregateMetric if m != AggregateMetric.CONCERNS_RECEIVED)


def closed_values(metric: AggregateMetric) -> frozenset[str] | None:
    """The complete set of values of a dimension, where the contract knows it (else ``None``)."""
    if metric is AggregateMetric.AGE_BAND:
        return frozenset(AGE_BANDS)
    if metric is AggregateMetric.SOURCE_CATEGORY:
        return frozenset(s.value for s in SourceCategory)
    return None


def valid_dimension_value(metric: AggregateMetric, value: str) -> bool:
    closed = closed_values(metric)
    return value in closed if closed is not None else CODE_PATTERN.fullmatch(value) is not None


class AggregateReport(Contract):
    """``infohus.network.aggregates.v1``: one cell, counts only, small cells suppressed.

    The network's only inbound contract: no identifiers, no free text, nothing else accepted.
    ``count`` is null exactly when ``suppressed``; a count between 0 and k is refused.
    """

    report_id: UUID = classified(A)
    municipality_code: str = classified(A, pattern=r"^\d{3}$")
    period: str = classified(A, pattern=r"^\d{4}-(0[1-9]|1[0-2])$")
    metric: AggregateMetric = classified(A)
    dimension_value: str | None = classified(A, None, max_length=40, pattern=r"^[a-z0-9][a-z0-9_+-]{0,39}$")
    count: int | None = classified(A, ge=0)
    suppressed: bool = classified(A)
    k: int = classified(A, ge=2)
    computed_at: datetime = classified(A)

    @model_validator(mode="after")
    def _suppression(self) -> "AggregateReport":
        if self.suppressed != (self.count is None):
            raise ValueError("count must be null exactly when suppressed")
        if self.count is not None and 0 < self.count < self.k:
            raise ValueError("a count below k must be suppressed")
        return self

    @model_validator(mode="after")
    def _dimension(self) -> "AggregateReport":
        if self.metric is AggregateMetric.CONCERNS_RECEIVED:
            if self.dimension_value is not None:
                raise ValueError("concerns_received is the volume: it has no dimension value")
        elif self.dimension_value is None:
            raise ValueError(f"{self.metric.value} needs a dimension value")
        elif not valid_dimension_value(self.metric, self.dimension_value):
            raise ValueError(f"not a known {self.metric.value} code")
        return self

    @property
    def cell_key(self) -> str:
        """The cell this report is the latest count of (also the Kafka key)."""
        base = f"{self.municipality_code}:{self.period}:{self.metric.value}"
        return base if self.dimension_value is None else f"{base}:{self.dimension_value}"
