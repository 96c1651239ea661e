"""OPA's decision about one delivery, recorded where it must be: on the delivery (decision id, policy
version, legal basis) and in the processing log; a refusal ends the delivery as denied."""

from collections.abc import Awaitable, Callable

from sqlmodel.ext.asyncio.session import AsyncSession

from infohus_platform.audit import processing_log
from infohus_platform.messaging.outbox import utcnow
from infohus_platform.policy import ShareDecision

from ..domain import DENIED
from ..metrics import NotifyMetrics
from ..storage import Delivery, NotificationRepository

# A prepared delivery: sends the message once (raises ChannelError for a failed attempt).
Send = Callable[[], Awaitable[None]]


async def record_decision(session: AsyncSession, delivery: Delivery, decision: ShareDecision, classes: list[str],
                          purpose: str, subject_ref: str | None) -> None:
    delivery.decision_id = decision.decision_id
    delivery.policy_version = decision.policy_version
    delivery.legal_basis = decision.legal_basis
    await processing_log.record(
        session, actor="service:notify", action=f"send:{delivery.channel}:{delivery.template}",
        purpose=purpose, outcome="allowed" if decision.allow else "denied", subjects=[subject_ref],
        data_classes=classes, decision_id=decision.decision_id,
    )


def deny(repo: NotificationRepository, delivery: Delivery, reasons: list[str], metrics: NotifyMetrics) -> None:
    """Nothing goes out: the delivery ends as denied, with the reasons (the policy's, or notify's own)."""
    delivery.status = DENIED
    delivery.deny_reasons = reasons
    delivery.status_reason = "denied by policy"
    delivery.lease_until = None
    delivery.updated_at = utcnow()
    repo.log(delivery, "; ".join(reasons)[:500])
    metrics.deliveries.labels(delivery.channel, DENIED).inc()
