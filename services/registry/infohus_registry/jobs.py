"""Registry's scheduled work: the retention schedule, run every hour (``build_app(background=...)``)."""

import asyncio
from datetime import date

import structlog

from infohus_platform.runtime import Runtime

from .service.retention import run_retention

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
