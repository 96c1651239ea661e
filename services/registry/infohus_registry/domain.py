"""Registry rules, no I/O: the basic registration's fields and small-cell suppression."""

from datetime import datetime
from uuid import uuid4

from infohus_contracts.aggregates import AggregateMetric, AggregateReport


def period_of(moment: datetime) -> str:
    return f"{moment.year:04d}-{moment.month:02d}"


def age_band(age: int | None) -> str:
    if age is None:
        return "unknown"
    if age < 15:
        return "0-14"
    if age < 18:
        return "15-17"
    if age < 25:
        return "18-24"
    if age < 35:
        return "25-34"
    return "35+"


def aggregate_report(
    municipality_code: str, period: str, count: int, k: int, computed_at: datetime
) -> AggregateReport:
    """A count for the network; below k (but above zero) it is suppressed, never sent."""
    suppressed = 0 < count < k
    return AggregateReport(
        report_id=uuid4(),
        municipality_code=municipality_code,
        period=period,
        metric=AggregateMetric.CONCERNS_RECEIVED,
        count=None if suppressed else count,
        suppressed=suppressed,
        k=k,
        computed_at=computed_at,
    )
