"""The district's statistics (statistik): the municipalities' own suppressed counts, combined here.

The network never sees a case: what it keeps is each municipality's published aggregate per month
(an ``AggregateReport`` on its own topic, or, in a district of instances, sent by each municipality's and the
police district's instance over the exchange: ``receive_shared_aggregate``), and only from municipalities of
its police district.
"""

import structlog
from sqlmodel.ext.asyncio.session import AsyncSession

from infohus_contracts.base.aggregates import AggregateReport
from infohus_contracts.base.municipalities import municipality_name
from infohus_platform.errors import RuleViolation
from infohus_platform.runtime import Runtime

from .. import domain, schemas
from ..metrics import network_metrics
from ..storage import AggregateRepository
from .shared import network_settings

log = structlog.get_logger(__name__)


async def receive_aggregate(runtime: Runtime, session: AsyncSession, report: AggregateReport) -> bool:
    """Keep a municipality's report if it is of this district (True); one from elsewhere is counted, not kept."""
    district = network_settings(runtime).infohus_district
    if not domain.in_district(report.municipality_code, district):
        network_metrics(runtime).ignored_aggregates.labels("outside_district").inc()
        log.warning("aggregate from a municipality outside the district ignored",
                    municipality_code=report.municipality_code, district=district)
        return False
    await AggregateRepository(session).upsert(report)
    return True


async def receive_shared_aggregate(runtime: Runtime, session: AsyncSession, report: AggregateReport,
                                   sender_org: str) -> bool:
    """A report another organisation of the district sent over the exchange: kept as ``receive_aggregate``
    keeps one, if the sender serves the report's municipality (a municipality counts only for itself, the
    police district for its municipalities). Otherwise the message is wrong and refused (``RuleViolation``:
    quarantined by the exchange, never stored)."""
    district = runtime.exchange.district if runtime.exchange is not None else runtime.settings.district()
    sender = district.organisations.get(sender_org) if district is not None else None
    if sender is None or report.municipality_code not in sender.municipalities:
        raise RuleViolation("municipality_code", f"{sender_org} does not serve municipality "
                                                 f"{report.municipality_code}: it cannot report its counts")
    return await receive_aggregate(runtime, session, report)


async def aggregate_volumes(runtime: Runtime) -> list[schemas.AggregateCountPublic]:
    """Each municipality's volume per month, as published (counts only, small cells suppressed)."""
    async with runtime.db.session() as session:
        volumes = await AggregateRepository(session).volumes()
    return [schemas.AggregateCountPublic.model_validate(row, from_attributes=True) for row in volumes]


async def statistics(runtime: Runtime, period: str, by_municipality: bool) -> schemas.StatisticsPublic:
    """The district's cells for a period, combined over its municipalities and suppressed again below k."""
    settings = network_settings(runtime)
    k = await runtime.policy.k_threshold(settings.default_k_threshold)
    months = domain.months_of(period)
    codes = domain.district_municipalities(settings.infohus_district)
    async with runtime.db.session() as session:
        stored = await AggregateRepository(session).cells(periods=months)
    parts = [
        domain.Part(c.municipality_code, c.period, c.metric, c.dimension_value or None, c.count, c.suppressed, c.k)
        for c in stored if c.municipality_code in codes
    ]
    reporting = {p.municipality_code for p in parts}

    def cells(selection: list[domain.Part]) -> list[schemas.CombinedCellPublic]:
        combined = domain.combine(selection, k)
        return [schemas.CombinedCellPublic.model_validate(c, from_attributes=True) for c in combined]

    return schemas.StatisticsPublic(
        district=settings.infohus_district, district_name=domain.district_name(settings.infohus_district),
        period=period, months=months, k=k,
        municipalities=[
            schemas.ReportingMunicipalityPublic(code=c, name=municipality_name(c) or c, reporting=c in reporting)
            for c in codes
        ],
        cells=cells(parts),
        by_municipality=[
            schemas.MunicipalityStatisticsPublic(municipality_code=c, name=municipality_name(c) or c,
                                           cells=cells([p for p in parts if p.municipality_code == c]))
            for c in codes if c in reporting
        ] if by_municipality else None,
    )
