"""Registry's Kafka handlers."""

import time
from uuid import uuid4

from faststream.kafka import KafkaMessage

from infohus_contracts.events import CaseEvent, CaseOpened
from infohus_contracts.notifications import NotificationKind, NotificationRequested
from infohus_contracts.topics import CASE_EVENTS, NETWORK_AGGREGATES, NOTIFY_REQUESTS
from infohus_platform.kafka import subscribe
from infohus_platform.messaging import Share, consume_once, stage_event, utcnow
from infohus_platform.policy import PolicyUnavailable
from infohus_platform.service import Runtime

from .domain import age_band, aggregate_report, period_of
from .settings import RegistrySettings
from .storage import Registration, RegistrationRepository


def register_handlers(runtime: Runtime) -> None:
    settings = runtime.settings
    assert isinstance(settings, RegistrySettings)
    k_threshold = KThreshold(runtime, settings.default_k_threshold)

    @subscribe(runtime.broker, settings, CASE_EVENTS)
    async def on_case_event(event: CaseEvent, message: KafkaMessage) -> None:
        k = await k_threshold.current()
        async with runtime.db.session() as session:
            if not await consume_once(session, message.headers["ce_id"], CASE_EVENTS.name):
                return
            if isinstance(event, CaseOpened):
                await _register(runtime, session, event, k)
            await session.commit()
        runtime.relay.wake()


async def _register(runtime: Runtime, session, event: CaseOpened, k: int) -> None:
    repository = RegistrationRepository(session)
    concern = event.concern
    concern_id = str(concern.concern_id)
    if await repository.get(concern_id) is not None:
        return
    now = utcnow()
    period = period_of(concern.received_at)
    repository.add(
        Registration(
            concern_id=concern_id,
            case_id=str(event.case_id),
            municipality_code=concern.municipality_code,
            received_at=concern.received_at,
            period=period,
            channel=concern.channel.value,
            source_category=concern.source_category.value,
            age_band=age_band(concern.person.age_on(concern.received_at.date())),
            area=concern.person.area,
            nationality=concern.person.nationality,
            family_network=concern.person.family_network,
            school_work=concern.person.school_work,
            sender=event.reporter_organisation,
            description=concern.description,
            concern_signs=[sign.value for sign in concern.concern_signs],
            lead=event.lead.value,
            updated_at=now,
        )
    )
    await session.flush()

    notification = NotificationRequested(
        notification_id=uuid4(),
        concern_id=concern.concern_id,
        municipality_code=concern.municipality_code,
        kind=NotificationKind.DUTY_TO_INFORM,
        honour_conflict=concern.flags.honour_conflict,
        requested_at=now,
    )
    stage_event(
        session,
        runtime.settings,
        topic=NOTIFY_REQUESTS,
        event_type="dk.infohus.notify.requested.v1",
        body=notification,
        key=concern_id,
        subject=concern_id,
        share=Share.of(notification, recipient_kind="internal", purpose="duty_to_inform", case_stage="received",
                       flags=concern.flags.model_dump()),
    )

    count = await repository.count(concern.municipality_code, period)
    report = aggregate_report(concern.municipality_code, period, count, k, now)
    stage_event(
        session,
        runtime.settings,
        topic=NETWORK_AGGREGATES,
        event_type="dk.infohus.network.aggregate.v1",
        body=report,
        key=f"{report.municipality_code}:{report.period}:{report.metric.value}",
        share=Share.of(
            report,
            recipient_kind="network",
            purpose="statistics",
            aggregate={"cells": [{"count": report.count, "suppressed": report.suppressed}]},
        ),
    )


class KThreshold:
    """The small-cell threshold from policy data, remembered for a while and while OPA is away."""

    def __init__(self, runtime: Runtime, default: int, ttl_seconds: float = 30.0) -> None:
        self.runtime = runtime
        self.value = default
        self.ttl_seconds = ttl_seconds
        self.fetched_at = float("-inf")

    async def current(self) -> int:
        if time.monotonic() - self.fetched_at < self.ttl_seconds:
            return self.value
        self.fetched_at = time.monotonic()
        try:
            value = await self.runtime.policy.config_value("k_threshold", self.value)
            if isinstance(value, int) and value >= 2:
                self.value = value
        except PolicyUnavailable:
            pass
        return self.value
