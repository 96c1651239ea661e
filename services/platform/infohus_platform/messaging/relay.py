"""The outbox relay: publishes staged events in order, each only after OPA allowed the share."""

import asyncio
import contextlib
import hashlib
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import structlog
from faststream.kafka.publisher.usecase import DefaultPublisher
from sqlmodel import col, func, not_, select

from infohus_contracts.base.district import link_of
from infohus_platform.audit import processing_log
from infohus_platform.db import Database
from infohus_platform.errors import PolicyUnavailable
from infohus_platform.observability import Metrics
from infohus_platform.policy import PolicyClient, ShareDecision
from infohus_platform.settings import ServiceSettings

from .outbox import OutboxMessage, utcnow

if TYPE_CHECKING:
    from infohus_platform.exchange.link import Exchange

EXCHANGE_TOPICS = "infohus.x."

log = structlog.get_logger(__name__)

# Share decisions a relay asks OPA for at once: a batch waits for OPA's answers side by side, not one after another.
POLICY_CONCURRENCY = 16


class WakeableLoop:
    """A background loop that works until there is nothing to do, then sleeps until woken (new work was
    committed) or its poll interval passes. The outbox relay and notify's dispatcher are both this."""

    def __init__(self) -> None:
        self._wake = asyncio.Event()
        self._stopping = False

    def wake(self) -> None:
        self._wake.set()

    def stop(self) -> None:
        self._stopping = True
        self._wake.set()

    async def idle(self, seconds: float) -> None:
        self._wake.clear()
        with contextlib.suppress(TimeoutError):  # the poll interval passed without a wake
            await asyncio.wait_for(self._wake.wait(), timeout=seconds)


class OutboxRelay(WakeableLoop):
    """Publishes staged events in order, each only after OPA allowed the share."""

    def __init__(
        self,
        settings: ServiceSettings,
        db: Database,
        publishers: dict[str, DefaultPublisher],
        policy: PolicyClient,
        metrics: Metrics,
        broker_ready: asyncio.Event,
        exchange: "Exchange | None" = None,
    ) -> None:
        self.settings = settings
        self.exchange = exchange
        self.db = db
        self.publishers = publishers
        self.policy = policy
        self.metrics = metrics
        self.broker_ready = broker_ready
        super().__init__()

    async def run(self) -> None:
        backoff = self.settings.outbox_poll_seconds
        while not self._stopping:
            try:
                await self.broker_ready.wait()
                published = await self.relay_batch()
                backoff = self.settings.outbox_poll_seconds
                if published:
                    continue
            except PolicyUnavailable:
                self.metrics.policy_unavailable.inc()
                backoff = min(backoff * 2, 10.0)
            except Exception as exc:  # broker or database trouble: keep the events, try again
                log.warning("outbox relay failed, retrying", error=type(exc).__name__)
                backoff = min(backoff * 2, 10.0)
            await self.idle(backoff)

    async def relay_batch(self, limit: int = 200) -> int:
        """Ask OPA about and publish the oldest pending events; returns how many were handled."""
        async with self.db.session() as session:
            query = select(OutboxMessage).where(OutboxMessage.status == "pending")
            if self.exchange is None or not self.exchange.ready.is_set():
                # Messages for other organisations wait while the exchange cluster is away; the rest go on.
                query = query.where(not_(col(OutboxMessage.topic).startswith(EXCHANGE_TOPICS)))
            query = query.order_by(col(OutboxMessage.id)).limit(limit)
            if self.db.is_postgres:
                query = query.with_for_update(skip_locked=True)
            rows = (await session.exec(query)).all()
            if not rows:
                await session.commit()
                return 0
            handled = 0
            decided: list[tuple[OutboxMessage, bool]] = []
            try:
                pending = []
                for row, decision in zip(rows, await self._decide(rows), strict=True):
                    row.decision_id = decision.decision_id
                    row.policy_version = decision.policy_version
                    row.legal_basis = decision.legal_basis
                    decided.append((row, decision.allow))
                    if not decision.allow:
                        row.status = "denied"
                        row.deny_reasons = decision.reasons
                        self.metrics.shares.labels(row.topic, "denied").inc()
                        log.warning("share denied by policy", event_id=row.event_id, topic=row.topic)
                        handled += 1
                        continue
                    if link_of(row.topic) is not None:
                        await self._send_to_organisation(row)
                        handled += 1
                        continue
                    future = await self.publishers[row.topic].publish(
                        row.body.encode(),
                        key=row.key.encode(),
                        headers=row.headers,
                        no_confirm=True,
                    )
                    pending.append((row, future))
                for row, future in pending:
                    await future
                    row.status = "published"
                    row.published_at = utcnow()
                    self.metrics.shares.labels(row.topic, "published").inc()
                    handled += 1
            finally:
                # Whatever was decided or published is recorded even if a later event failed. The log
                # entries are written last: their chain head is a lock other writers wait for.
                for row, allowed in decided:
                    await processing_log.record(
                        session, actor=f"service:{self.settings.service_name}", action=f"share:{row.topic}",
                        subjects=[row.headers.get("ce_subject")], data_classes=row.share.get("data_classes", []),
                        purpose=row.share.get("purpose", ""), decision_id=row.decision_id,
                        outcome="allowed" if allowed else "denied",
                    )
                await session.commit()
            return handled

    async def _send_to_organisation(self, row: OutboxMessage) -> None:
        """Signed, with the sender's decision in its headers, on the link to the recipient; afterwards the row keeps
        what was sent but not the body (only its digest): the sender keeps the record of the share, not a copy."""
        assert self.exchange is not None
        body = row.body.encode()
        headers = self.exchange.outgoing_headers(row.headers, body, row.decision_id, row.policy_version)
        await self.exchange.publish(row.topic, row.key, body, headers)
        row.status = "published"
        row.published_at = utcnow()
        row.headers = {**row.headers, **headers, "body_sha256": hashlib.sha256(body).hexdigest()}
        row.body = ""
        self.metrics.shares.labels(row.topic, "published").inc()

    async def _decide(self, rows: Sequence[OutboxMessage]) -> list[ShareDecision]:
        """OPA's decision on each row's share, each its own question (and decision id), asked side by side; if
        OPA cannot be asked about one, nothing of the batch leaves (``PolicyUnavailable``)."""
        limit = asyncio.Semaphore(POLICY_CONCURRENCY)

        async def decide(row: OutboxMessage) -> ShareDecision:
            async with limit:
                return await self.policy.share(self._share_input(row))

        return list(await asyncio.gather(*(decide(row) for row in rows)))

    def _share_input(self, row: OutboxMessage) -> dict[str, Any]:
        """The share as OPA reads it; a message for another organisation names that organisation and its type."""
        share = dict(row.share)
        recipient_org = share.pop("recipient_org", None)
        return {
            "stated_basis": self.settings.stated_basis(share.get("data_classes", [])),
            "action": "exchange" if recipient_org else "publish",
            "sender": self.settings.sender(),
            "recipient": {"kind": share.pop("recipient_kind"), "org": recipient_org or self.settings.infohus_org},
            "acting_role": "system",
            **share,
        }

    async def pending_count(self) -> int:
        async with self.db.session() as session:
            result = await session.exec(
                select(func.count()).select_from(OutboxMessage).where(OutboxMessage.status == "pending")
            )
            return int(result.one())
