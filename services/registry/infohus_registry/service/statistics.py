"""Statistics: the municipality's own counts, and the aggregates staged for the district network.

The rules (counting, primary and secondary suppression, what changed) are in ``domain``; this
module reads the registrations and the outbox, the record of what was shared. A registration only
marks its municipality's month due (``mark_due``); ``publish_due_aggregates`` (a job, every
``AGGREGATE_INTERVAL_SECONDS``) stages the changed cells of every month marked, so a burst of
registrations costs one count per month rather than one per registration.

In a district whose network is another organisation (``runtime.exchange`` set, a network in the district
document and an agreement for ``AGGREGATE_REPORT_SHARED``), the same cells also go to the network over the
exchange, on the link to it; the internal topic stays for notify's partners. Each destination follows the rule
on its own: a cell is staged for it when its shown value differs from the last one staged for it (and not
denied). The exchange row's body is dropped once sent, so the value staged is read from the share's
``aggregate`` (which the row keeps), for both destinations alike.
"""

import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy import delete
from sqlalchemy.dialects import postgresql, sqlite
from sqlmodel import col, func, select
from sqlmodel.ext.asyncio.session import AsyncSession

from infohus_contracts.base.aggregates import AggregateMetric, AggregateReport
from infohus_contracts.base.district import OrgKind, link_topic
from infohus_contracts.base.exchange import AGGREGATE_REPORT_SHARED
from infohus_contracts.base.topics import NETWORK_AGGREGATES
from infohus_platform.auth import Guard, resource
from infohus_platform.exchange.outbound import stage_exchange
from infohus_platform.messaging.outbox import OutboxMessage, Share, stage_event, utcnow
from infohus_platform.runtime import Runtime

from ..domain import (
    CellKey,
    aggregate_report,
    changes,
    count_cells,
    municipality_statistics,
    policy_aggregate,
)
from ..schemas import StatisticsPublic
from ..settings import RegistrySettings
from ..storage import AggregateDue, Registration, RegistrationRepository

# The registration's columns that are dimensions of the network's statistics (``AggregateMetric`` values).
DIMENSION_COLUMNS = ("source_category", "age_band", "concern_level", "outcome", "effort_level")


async def own_statistics(runtime: Runtime, guard: Guard, period_from: str | None,
                         period_to: str | None) -> StatisticsPublic:
    """The caller's municipality: volume, concern levels, sources, age bands, outcomes, efforts."""
    municipality = guard.principal.municipality_code
    await guard.require("statistics.read", resource("statistics", municipality))
    async with runtime.db.session() as session:
        rows = await RegistrationRepository(session).in_periods(municipality, period_from, period_to)
    return StatisticsPublic.model_validate(municipality_statistics(rows, period_from, period_to))


async def mark_due(runtime: Runtime, session: AsyncSession, municipality_code: str, period: str) -> None:
    """This municipality's month changed: the next ``publish_due_aggregates`` stages its aggregates (in the
    caller's transaction; one upsert, so concurrent markers never conflict)."""
    dialect = postgresql if runtime.db.is_postgres else sqlite
    statement = dialect.insert(AggregateDue).values(municipality_code=municipality_code, period=period,
                                                    marked_at=utcnow())
    await session.exec(statement.on_conflict_do_update(index_elements=["municipality_code", "period"],
                                                       set_={"marked_at": statement.excluded.marked_at}))


async def publish_due_aggregates(runtime: Runtime) -> int:
    """Stage the changed aggregates of every month marked due, remove the marks, wake the relay; returns how
    many months were staged. The marks are taken first (``DELETE ... RETURNING``), so this transaction holds the
    write lock before it counts: a registration marking a month meanwhile waits and marks it for the next run."""
    settings = runtime.settings
    assert isinstance(settings, RegistrySettings)
    k = await runtime.policy.k_threshold(settings.default_k_threshold)
    async with runtime.db.session() as session:
        taken = delete(AggregateDue).returning(col(AggregateDue.municipality_code), col(AggregateDue.period))
        due = sorted((await session.exec(taken)).all())
        for municipality_code, period in due:
            await stage_aggregates(runtime, session, municipality_code, period, k)
        await session.commit()
    if due:
        runtime.relay.wake()
    return len(due)


@dataclass(frozen=True)
class Destination:
    """Where the aggregates go: the internal topic (``network_org`` None), or the district network's link."""

    topic: str
    network_org: str | None = None


def destinations(runtime: Runtime) -> list[Destination]:
    """The internal topic, and the district's network when this instance is a member agreed to send it counts."""
    found = [Destination(NETWORK_AGGREGATES.name)]
    exchange, own = runtime.exchange, runtime.settings.infohus_org
    if exchange is not None:
        network = exchange.district.org_of_kind(OrgKind.NETWORK)
        if network and network != own and exchange.district.agreement(AGGREGATE_REPORT_SHARED.type, own, network):
            found.append(Destination(link_topic(own, network), network))
    return found


async def stage_aggregates(runtime: Runtime, session: AsyncSession, municipality_code: str, period: str,
                           k: int, *, force: bool = False) -> None:
    """Stage the changed cells of this municipality and month for the network, in the caller's transaction.

    ``force`` stages every cell again, whatever was sent before (e.g. for a network that starts afresh).
    """
    columns = [getattr(Registration, name) for name in DIMENSION_COLUMNS]
    result = await session.exec(
        select(*columns).where(Registration.municipality_code == municipality_code, Registration.period == period)
    )
    counts = count_cells(dict(zip(DIMENSION_COLUMNS, row, strict=True)) for row in result.all())
    now = utcnow()
    # One report per cell and shown value: both destinations get the same report when both need it.
    reports: dict[tuple[CellKey, tuple], AggregateReport] = {}
    for destination in destinations(runtime):
        previous = {} if force else await _last_shared(session, destination.topic, f"{municipality_code}:{period}:")
        for cell in changes(counts, previous, k):
            report = reports.setdefault(((cell.metric, cell.value), cell.shown), aggregate_report(
                municipality_code, period, cell.count or 0, k, now, cell.metric, cell.value,
                suppressed=cell.suppressed))
            share = Share.of(report, recipient_kind="network", purpose="statistics",
                             aggregate=policy_aggregate(report))
            if destination.network_org is None:
                stage_event(session, runtime.settings, topic=NETWORK_AGGREGATES, body=report, key=report.cell_key,
                            share=share)
            else:
                stage_exchange(session, runtime.settings, recipient_org=destination.network_org,
                               message=AGGREGATE_REPORT_SHARED, body=report, key=report.cell_key, share=share)


async def _last_shared(session: AsyncSession, topic: str, key_prefix: str) -> dict[CellKey, tuple]:
    """The last shown value of each cell as staged on ``topic`` (denied shares never arrived).

    Read from the share's ``aggregate`` (what OPA was asked about, kept with the row): the body of a message to
    another organisation is dropped once it is sent. A row without it (staged before) is read from its body."""
    latest = (
        select(func.max(OutboxMessage.id))
        .where(OutboxMessage.topic == topic, col(OutboxMessage.key).startswith(key_prefix),
               OutboxMessage.status != "denied")
        .group_by(OutboxMessage.key)
    )
    result = await session.exec(select(OutboxMessage.key, OutboxMessage.share, OutboxMessage.body)
                                .where(col(OutboxMessage.id).in_(latest)))
    last: dict[CellKey, tuple] = {}
    for key, share, body in result.all():
        shown = _shown(key, share) or _shown_in_body(body)
        if shown is not None:
            last[shown[0]] = shown[1]
    return last


def _shown(key: str, share: Mapping[str, Any]) -> tuple[CellKey, tuple] | None:
    """The cell (from the key, ``<code>:<period>:<metric>[:<value>]``) and the value staged (from the share)."""
    cells = (share.get("aggregate") or {}).get("cells") or []
    parts = key.split(":", 3)
    if len(cells) != 1 or len(parts) < 3:
        return None
    try:
        metric = AggregateMetric(parts[2])
    except ValueError:
        return None
    return (metric, parts[3] if len(parts) == 4 else None), (cells[0].get("count"), bool(cells[0].get("suppressed")))


def _shown_in_body(body: str) -> tuple[CellKey, tuple] | None:
    if not body:
        return None
    data = json.loads(body)
    try:
        metric = AggregateMetric(data["metric"])
    except (KeyError, ValueError):
        return None
    return (metric, data.get("dimension_value")), (data.get("count"), bool(data.get("suppressed")))
