"""Statistics for the district network (Infohus Netværk): counts only, small cells suppressed.

For one municipality and month the registry counts its basic registrations: the volume
(``concerns_received``) and the cells of each dimension (concern level, source category, age band,
outcome, effort level). A registration whose concern level, outcome or effort level is not yet
known is left out of that dimension.

Suppression, before anything is staged:

* primary: a count between 0 and k (exclusive) is never sent; the cell goes as ``suppressed``;
* secondary: when exactly one cell of a dimension is suppressed, the smallest other non-zero cell
  is suppressed too, so the hidden one cannot be worked out by subtracting the others from the
  volume.

Only cells whose shown value changed since the last report that left (or is about to leave) the
outbox are staged; a value that disappeared is sent once as 0. The outbox is the record of what
was shared, so it is also what this compares against.
"""

import json
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from uuid import uuid4

import structlog
from sqlmodel import col, func, select
from sqlmodel.ext.asyncio.session import AsyncSession

from infohus_contracts.base.aggregates import DIMENSIONS, AggregateMetric, AggregateReport, valid_dimension_value
from infohus_contracts.base.topics import NETWORK_AGGREGATES
from infohus_platform.messaging.outbox import OutboxMessage, Share, stage_event, utcnow
from infohus_platform.runtime import Runtime

from .storage import Registration

log = structlog.get_logger(__name__)

VOLUME = AggregateMetric.CONCERNS_RECEIVED


@dataclass(frozen=True)
class Cell:
    metric: AggregateMetric
    value: str | None
    count: int | None  # None exactly when suppressed
    suppressed: bool

    @property
    def shown(self) -> tuple[int | None, bool]:
        return self.count, self.suppressed


def count_cells(rows: Iterable[Mapping[str, str | None]]) -> dict[tuple[AggregateMetric, str | None], int]:
    """Raw counts: the volume and, per dimension, per known value (``None`` = not yet known: skipped)."""
    counts: Counter[tuple[AggregateMetric, str | None]] = Counter()
    for row in rows:
        counts[(VOLUME, None)] += 1
        for metric in DIMENSIONS:
            value = row.get(metric.value)
            if value is None:
                continue
            if not valid_dimension_value(metric, value):
                # Never sent: the contract would refuse it. The value itself is not logged.
                log.warning("registration value is not a shareable code; cell left out", metric=metric.value)
                continue
            counts[(metric, value)] += 1
    if not counts:
        counts[(VOLUME, None)] = 0
    return dict(counts)


def suppress(counts: Mapping[tuple[AggregateMetric, str | None], int], k: int) -> list[Cell]:
    """Primary and secondary suppression (see the module docstring)."""
    hidden = {key for key, n in counts.items() if 0 < n < k}
    for metric in DIMENSIONS:
        in_dimension = {key: n for key, n in counts.items() if key[0] is metric}
        if len(hidden & in_dimension.keys()) == 1:
            shown = sorted((n, key[1] or "", key) for key, n in in_dimension.items() if key not in hidden and n > 0)
            if shown:
                hidden.add(shown[0][2])
    cells = [
        Cell(metric, value, None if (metric, value) in hidden else n, (metric, value) in hidden)
        for (metric, value), n in counts.items()
    ]
    return sorted(cells, key=lambda c: (list(AggregateMetric).index(c.metric), c.value or ""))


def aggregate_report(
    municipality_code: str,
    period: str,
    count: int,
    k: int,
    computed_at: datetime,
    metric: AggregateMetric = VOLUME,
    dimension_value: str | None = None,
    *,
    suppressed: bool | None = None,
) -> AggregateReport:
    """A count for the network; below k (but above zero) it is suppressed, never sent."""
    if suppressed is None:
        suppressed = 0 < count < k
    return AggregateReport(
        report_id=uuid4(),
        municipality_code=municipality_code,
        period=period,
        metric=metric,
        dimension_value=dimension_value,
        count=None if suppressed else count,
        suppressed=suppressed,
        k=k,
        computed_at=computed_at,
    )


def policy_aggregate(report: AggregateReport) -> dict:
    """What OPA sees of the share (``input.aggregate``): counts and allow-listed dimension labels."""
    cell: dict = {"count": report.count, "suppressed": report.suppressed,
                  "municipality_code": report.municipality_code}
    if report.dimension_value is not None:
        cell[report.metric.value] = report.dimension_value
    return {"metric": report.metric.value, "period": report.period, "cells": [cell]}


def changes(counts: Mapping[tuple[AggregateMetric, str | None], int],
            previous: Mapping[tuple[AggregateMetric, str | None], tuple[int | None, bool]], k: int) -> list[Cell]:
    """The cells to send: those whose shown value differs from the last one sent; a value that
    disappeared (its count went to 0, e.g. a changed concern level) is sent once as 0."""
    cells = {(c.metric, c.value): c for c in suppress(counts, k)}
    for key, shown in previous.items():
        if key not in cells and shown != (0, False):
            cells[key] = Cell(key[0], key[1], 0, False)
    return [cell for key, cell in cells.items() if previous.get(key) != cell.shown]


async def stage_aggregates(runtime: Runtime, session: AsyncSession, municipality_code: str, period: str,
                           k: int, *, force: bool = False) -> None:
    """Stage the changed cells of this municipality and month for the network, in the caller's transaction.

    ``force`` stages every cell again, whatever was sent before (e.g. for a network that starts afresh).
    """
    columns = [Registration.source_category, Registration.age_band, Registration.concern_level,
               Registration.outcome, Registration.effort_level]
    result = await session.exec(
        select(*columns).where(Registration.municipality_code == municipality_code, Registration.period == period)
    )
    names = [c.key for c in columns]
    counts = count_cells(dict(zip(names, row, strict=True)) for row in result.all())
    previous = {} if force else await _last_shared(session, f"{municipality_code}:{period}:")
    now = utcnow()
    for cell in changes(counts, previous, k):
        report = aggregate_report(municipality_code, period, cell.count or 0, k, now, cell.metric, cell.value,
                                  suppressed=cell.suppressed)
        stage_event(
            session,
            runtime.settings,
            topic=NETWORK_AGGREGATES,
            body=report,
            key=report.cell_key,
            share=Share.of(report, recipient_kind="network", purpose="statistics", aggregate=policy_aggregate(report)),
        )


async def _last_shared(session: AsyncSession, key_prefix: str) -> dict[tuple[AggregateMetric, str | None], tuple]:
    """The last shown value of each cell as staged for the network (denied shares never arrived)."""
    latest = (
        select(func.max(OutboxMessage.id))
        .where(OutboxMessage.topic == NETWORK_AGGREGATES.name, col(OutboxMessage.key).startswith(key_prefix),
               OutboxMessage.status != "denied")
        .group_by(OutboxMessage.key)
    )
    result = await session.exec(select(OutboxMessage.body).where(col(OutboxMessage.id).in_(latest)))
    last: dict[tuple[AggregateMetric, str | None], tuple] = {}
    for body in result.all():
        data = json.loads(body)
        try:
            metric = AggregateMetric(data["metric"])
        except (KeyError, ValueError):
            continue
        last[(metric, data.get("dimension_value"))] = (data.get("count"), bool(data.get("suppressed")))
    return last
