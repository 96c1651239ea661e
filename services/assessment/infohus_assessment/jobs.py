"""Scheduled work: the daily jobs (hand-over at 18 and the reminders), run hourly by the service."""

import asyncio
from datetime import date

import structlog

from infohus_platform.runtime import Runtime

from .service.daily_jobs import run_daily

log = structlog.get_logger(__name__)


async def hourly(runtime: Runtime) -> None:
    while True:
        try:
            result = (await run_daily(runtime, date.today())).model_dump()
            if any(result.values()):
                log.info("daily jobs ran", **result)
        except Exception as exc:  # the next hour tries again
            log.warning("daily jobs failed", error=type(exc).__name__)
        await asyncio.sleep(3600)
