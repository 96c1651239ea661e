"""One delivery's life after it was claimed: prepared (the message or the partner event, OPA asked),
attempted with exponential backoff (tenacity), and recorded as sent, retried or dead-lettered after the
last attempt; and what staff do with it by hand (read the log, queue it again).

The delivery table is notify's outbox: a delivery is written in the same transaction as the event
that caused it (and the inbox record of that event), so nothing is lost and nothing is doubled.
"""

from datetime import UTC, datetime, timedelta

import structlog
from sqlmodel.ext.asyncio.session import AsyncSession
from tenacity import AsyncRetrying, retry_if_exception_type, stop_after_attempt, wait_exponential

from infohus_platform.errors import Conflict, NotFound
from infohus_platform.messaging.outbox import utcnow
from infohus_platform.policy import PolicyUnavailable
from infohus_platform.runtime import Runtime

from ..channels import ChannelError
from ..domain import DEAD_LETTERED, FAILED, PARTNER_EVENT, QUEUED, REQUEUEABLE_STATES, RETRYING, SENDING, SENT
from ..metrics import NotifyMetrics
from ..storage import Delivery, DeliveryLogEntry, NotificationRepository
from .context import Context
from .messages import MessageDeliveries
from .partners import PartnerDeliveries
from .scope import Scope
from .sharing import Send

log = structlog.get_logger(__name__)


class DeliveryAttempts:
    """Runs one claimed delivery to its end: sent, denied, unaddressed, or dead-lettered."""

    def __init__(self, runtime: Runtime, ctx: Context, messages: MessageDeliveries, partners: PartnerDeliveries,
                 metrics: NotifyMetrics) -> None:
        self.runtime = runtime
        self.settings = ctx.settings
        self.messages = messages
        self.partners = partners
        self.metrics = metrics

    async def process(self, delivery_id: str) -> str:
        async with self.runtime.db.session() as session:
            repo = NotificationRepository(session)
            delivery = await repo.delivery(delivery_id)
            if delivery is None or delivery.status != SENDING:
                return delivery.status if delivery else "missing"
            try:
                send = await self._prepare(session, repo, delivery)
            except PolicyUnavailable:
                # Fail closed: nothing leaves; not an attempt; try again a little later.
                delivery.status = QUEUED if delivery.attempts == 0 else RETRYING
                delivery.next_attempt_at = utcnow() + timedelta(seconds=5)
                delivery.lease_until = None
                self.metrics.policy_unavailable.inc()
                await session.commit()
                return delivery.status
            await session.commit()
            if send is None:
                return delivery.status

        retrying = AsyncRetrying(
            stop=stop_after_attempt(max(delivery.max_attempts - delivery.attempts, 1)),
            wait=wait_exponential(multiplier=self.settings.notify_backoff_seconds,
                                  max=self.settings.notify_backoff_max_seconds),
            retry=retry_if_exception_type(ChannelError),
            reraise=True,
        )
        try:
            async for attempt in retrying:
                with attempt:
                    await self._attempt(delivery_id, send)
        except ChannelError as exc:
            await self._dead_letter(delivery_id, str(exc))
            return DEAD_LETTERED
        return SENT

    async def _prepare(self, session: AsyncSession, repo: NotificationRepository, delivery: Delivery) -> Send | None:
        """Ask OPA, render, and return the coroutine factory that sends; None when nothing is sent."""
        if delivery.purpose == PARTNER_EVENT:
            return await self.partners.prepare(session, repo, delivery)
        notification = await repo.get(delivery.notification_id) if delivery.notification_id else None
        assert notification is not None
        return await self.messages.prepare(session, repo, delivery, notification)

    async def release(self, delivery_id: str, detail: str) -> None:
        """Give a claimed delivery back (an unexpected error), to be tried again soon."""
        try:
            async with self.runtime.db.session() as session:
                repo = NotificationRepository(session)
                delivery = await repo.delivery(delivery_id)
                if delivery is not None and delivery.status in (SENDING, RETRYING):
                    delivery.status = QUEUED if delivery.attempts == 0 else RETRYING
                    delivery.lease_until = None
                    delivery.next_attempt_at = utcnow() + timedelta(seconds=2)
                    repo.log(delivery, detail)
                    await session.commit()
        except Exception as exc:  # the lease runs out and it is tried again then
            log.warning("could not release a delivery", delivery_id=delivery_id, error=type(exc).__name__)

    async def _attempt(self, delivery_id: str, send: Send) -> None:
        async with self.runtime.db.session() as session:
            repo = NotificationRepository(session)
            delivery = await repo.delivery(delivery_id)
            assert delivery is not None
            delivery.attempts += 1
            delivery.status = SENDING
            delivery.lease_until = utcnow() + timedelta(seconds=self.settings.notify_lease_seconds)
            delivery.updated_at = utcnow()
            repo.log(delivery, f"attempt {delivery.attempts} of {delivery.max_attempts}")
            await session.commit()
            attempt_no, channel = delivery.attempts, delivery.channel
        try:
            await send()
        except ChannelError as exc:
            self.metrics.attempts.labels(channel, "failed").inc()
            async with self.runtime.db.session() as session:
                repo = NotificationRepository(session)
                delivery = await repo.delivery(delivery_id)
                assert delivery is not None
                delivery.last_error = str(exc)[:500]
                repo.log(delivery, str(exc), status=FAILED)
                if attempt_no < delivery.max_attempts:
                    delivery.status = RETRYING
                    repo.log(delivery, "will be retried", status="retried")
                delivery.updated_at = utcnow()
                await session.commit()
            log.warning("delivery attempt failed", delivery_id=delivery_id, channel=channel, attempt=attempt_no,
                        error=str(exc))
            raise
        self.metrics.attempts.labels(channel, "sent").inc()
        async with self.runtime.db.session() as session:
            repo = NotificationRepository(session)
            delivery = await repo.delivery(delivery_id)
            assert delivery is not None
            delivery.status = SENT
            delivery.sent_at = utcnow()
            delivery.updated_at = delivery.sent_at
            delivery.lease_until = None
            late = delivery.deadline is not None and delivery.sent_at > _aware(delivery.deadline)
            repo.log(delivery, "sent after its deadline" if late else None)
            await session.commit()
        self.metrics.deliveries.labels(channel, SENT).inc()

    async def _dead_letter(self, delivery_id: str, reason: str) -> None:
        async with self.runtime.db.session() as session:
            repo = NotificationRepository(session)
            delivery = await repo.delivery(delivery_id)
            assert delivery is not None
            delivery.status = DEAD_LETTERED
            delivery.status_reason = f"gave up after {delivery.attempts} attempts: {reason}"[:500]
            delivery.lease_until = None
            delivery.updated_at = utcnow()
            repo.log(delivery, delivery.status_reason)
            await session.commit()
            channel = delivery.channel
        self.metrics.dead_lettered.labels(channel).inc()
        self.metrics.deliveries.labels(channel, DEAD_LETTERED).inc()
        log.error("delivery dead-lettered", delivery_id=delivery_id, channel=channel, reason=reason)


def _aware(moment: datetime) -> datetime:
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


# -- by hand (the API) ----------------------------------------------------------------------------


async def delivery_log(runtime: Runtime, scope: Scope, *, status: str | None, channel: str | None,
                       partner_id: str | None, limit: int) -> list[Delivery]:
    """The delivery log (its current states) within the scope; ``status=dead_lettered`` is what staff must act on."""
    async with runtime.db.session() as session:
        return await NotificationRepository(session).deliveries(status=status, channel=channel,
                                                                partner_id=partner_id, limit=limit,
                                                                within=scope.within())


async def _visible(repo: NotificationRepository, scope: Scope, delivery: Delivery | None) -> Delivery | None:
    """The delivery if the caller may see its notice (a partner's: the whole record only), else None."""
    if delivery is None:
        return None
    notification = await repo.get(delivery.notification_id) if delivery.notification_id else None
    return delivery if scope.sees(notification) else None


async def deliveries_of(runtime: Runtime, notification_id: str, scope: Scope) -> list[Delivery]:
    """A notice's deliveries; none for a notice the caller may not see, as for an unknown one."""
    async with runtime.db.session() as session:
        repo = NotificationRepository(session)
        if not scope.sees(await repo.get(notification_id)):
            return []
        return await repo.deliveries(notification_id=notification_id)


async def history_of(runtime: Runtime, delivery_id: str, scope: Scope) -> list[DeliveryLogEntry]:
    """Every state one delivery went through; nothing for one the caller may not see, as for an unknown one."""
    async with runtime.db.session() as session:
        repo = NotificationRepository(session)
        if await _visible(repo, scope, await repo.delivery(delivery_id)) is None:
            return []
        return await repo.log_of(delivery_id)


async def requeue(runtime: Runtime, ctx: Context, scope: Scope, delivery_id: str, *, by: str) -> Delivery:
    """Queue a dead-lettered, denied, unaddressed or cancelled delivery again, with a fresh set of attempts."""
    async with runtime.db.session() as session:
        repo = NotificationRepository(session)
        found = await _visible(repo, scope, await repo.delivery(delivery_id))
        if found is None:
            raise NotFound("delivery")
        if found.status not in REQUEUEABLE_STATES:
            raise Conflict(f"a delivery in status '{found.status}' is not retried by hand")
        found.status, found.status_reason = QUEUED, f"requeued by {by}"
        found.max_attempts = found.attempts + ctx.settings.notify_max_attempts
        found.next_attempt_at = found.updated_at = utcnow()
        found.lease_until = None
        repo.log(found)
        await session.commit()
        return found
