"""``make verify-log``: check every service's hash-chained processing log and name the first broken entry."""

import asyncio
import importlib
import sys

from infohus_platform.audit.processing_log import verify
from infohus_platform.db import Database
from infohus_platform.migrations import upgrade

from .migrations import SERVICES, service_tables


async def verify_services() -> int:
    failures = 0
    for name in SERVICES:
        settings = importlib.import_module(f"infohus_{name}.settings")
        cls = next(v for k, v in vars(settings).items() if k.endswith("Settings") and k != "ServiceSettings")
        db = Database(cls().storage_url())
        try:
            await db.start()
            await db.run_sync(upgrade, *service_tables(name))
            async with db.session() as session:
                result = await verify(session)
        finally:
            await db.dispose()
        status = "ok" if result.ok else f"TAMPERED: {result.problem}"
        failures += not result.ok
        print(f"{name:<11} {result.entries:>7} entries  {status}")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(asyncio.run(verify_services()))
