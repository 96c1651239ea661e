"""Registry's scheduled work (``build_app(background=...)``): the retention schedule, run every hour, and the
network's aggregates of the months that changed, every ``AGGREGATE_INTERVAL_SECONDS``."""

import asyncio
from datetime import date

import structlog

from infohus_platform.runtime import Runtime

from .service.retention import run_retention
from .service.statistics import publish_due_aggregates
from .settings import RegistrySettings

log = structlog.get_logger(__name__)

RETENTION_INTERVAL_SECONDS = 3600


async def daily(runtime: Runtime) -> None:
    """Erase what is due today; hourly, so a day is never missed when the service was down at midnight."""
    while True:
        try:
            result = await run_retention(runtime, date.today())
            if result.erased:
                log.info("retention ran", **result.model_dump())
        except Exception as exc:  # OPA or the database away: the next run tries again
            log.warning("retention run failed", error=type(exc).__name__)
        await asyncio.sleep(RETENTION_INTERVAL_SECONDS)


async def aggregates(runtime: Runtime) -> None:
    """Stage the aggregates of the months marked due; a failed run leaves the marks for the next."""
    settings = runtime.settings
    assert isinstance(settings, RegistrySettings)
    while True:
        await asyncio.sleep(settings.aggregate_interval_seconds)
        try:
            await publish_due_aggregates(runtime)
        except Exception as exc:  # OPA or the database away: the marks stay, the next run stages them
            log.warning("aggregates run failed", error=type(exc).__name__)
