"""The dispatcher (the delivery worker): a WakeableLoop that claims due deliveries under a lease and runs
them with bounded concurrency; woken when a handler or a person queued something, else it polls."""

import asyncio
from datetime import timedelta

import structlog

from infohus_platform.messaging.outbox import utcnow
from infohus_platform.messaging.relay import WakeableLoop
from infohus_platform.runtime import Runtime

from ..channels import Channels
from ..storage import NotificationRepository
from .context import Context
from .deliveries import DeliveryAttempts
from .reviews import ReviewReminders

log = structlog.get_logger(__name__)


class Dispatcher(WakeableLoop):
    def __init__(self, runtime: Runtime, ctx: Context, attempts: DeliveryAttempts, reviews: ReviewReminders,
                 channels: Channels) -> None:
        self.runtime = runtime
        self.settings = ctx.settings
        self.attempts = attempts
        self.reviews = reviews
        self.channels = channels
        super().__init__()
        self._slots = asyncio.Semaphore(ctx.settings.notify_dispatch_concurrency)
        self._inflight: set[asyncio.Task] = set()

    async def run(self) -> None:
        await self.channels.webhooks.start()
        try:
            while not self._stopping:
                try:
                    await self.reviews.maybe_queue()
                    claimed = await self.dispatch_once()
                    if claimed:
                        continue
                except Exception as exc:  # database away: keep everything, try again
                    log.warning("dispatcher pass failed, retrying", error=type(exc).__name__)
                await self.idle(self.settings.notify_dispatch_poll_seconds)
        finally:
            for task in list(self._inflight):
                task.cancel()
            await asyncio.gather(*self._inflight, return_exceptions=True)
            await self.channels.webhooks.close()

    async def dispatch_once(self) -> int:
        """Claim what is due (as many as there are free slots) and start each; how many were claimed."""
        free = self.settings.notify_dispatch_concurrency - len(self._inflight)
        if free <= 0:
            return 0
        now = utcnow()
        async with self.runtime.db.session() as session:
            rows = await NotificationRepository(session).claim_due(
                now, free, now + timedelta(seconds=self.settings.notify_lease_seconds), self.runtime.db.is_postgres)
            ids = [row.delivery_id for row in rows]
            await session.commit()
        for delivery_id in ids:
            task = asyncio.create_task(self._guarded(delivery_id))
            self._inflight.add(task)
            task.add_done_callback(self._done)
        return len(ids)

    def _done(self, task: asyncio.Task) -> None:
        self._inflight.discard(task)
        self.wake()

    async def _guarded(self, delivery_id: str) -> None:
        async with self._slots:
            try:
                await self.attempts.process(delivery_id)
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                # Unexpected (a database conflict, the database away): give it back, to be tried again soon.
                log.error("delivery processing failed", delivery_id=delivery_id, error=type(exc).__name__)
                await self.attempts.release(delivery_id, f"error: {type(exc).__name__}")
