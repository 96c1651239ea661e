"""Registry's Kafka handlers."""

from uuid import uuid4

import structlog

from infohus_contracts.case.events import CaseEvent, CaseOpened
from infohus_contracts.case.notifications import (
    AddressingError,
    NotificationKind,
    NotificationRequested,
    SealedAddressing,
    addressing_key,
    seal_addressing,
)
from infohus_contracts.case.topics import CASE_EVENTS, NOTIFY_REQUESTS
from infohus_platform.audit import processing_log
from infohus_platform.errors import MalformedEvent
from infohus_platform.messaging.consumer import Delivery, consumer
from infohus_platform.messaging.outbox import Share, stage_event, utcnow
from infohus_platform.runtime import Runtime

from .domain import REGISTRATION_CLASSES, age_band, apply_change, period_of
from .settings import RegistrySettings
from .statistics import stage_aggregates
from .storage import Registration, RegistrationRepository

log = structlog.get_logger(__name__)


def register_handlers(runtime: Runtime) -> None:
    settings = runtime.settings
    assert isinstance(settings, RegistrySettings)

    @consumer(runtime, CASE_EVENTS)
    async def on_case_event(event: CaseEvent, delivery: Delivery) -> None:
        k = await runtime.policy.k_threshold(settings.default_k_threshold)
        session = delivery.session
        if isinstance(event, CaseOpened):
            await _register(runtime, session, event, k)
        else:
            registration = await RegistrationRepository(session).get(str(event.concern_id))
            if registration is None:
                # Case events are keyed by concern id, so the opening always comes first.
                raise MalformedEvent("a case event for a concern that was never registered")
            if registration.erased_at is None and apply_change(registration, event):
                registration.updated_at = utcnow()
                session.add(registration)
                await processing_log.record(
                    session, actor="service:registry", action=f"registration.update:{event.kind}",
                    subjects=[registration.concern_id], data_classes=REGISTRATION_CLASSES,
                    purpose="prevention",
                )
                await session.flush()
                await stage_aggregates(runtime, session, registration.municipality_code, registration.period, k)


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
            **runtime.settings.controlled(),
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
    await processing_log.record(
        session, actor="service:registry", action="registration.create", subjects=[concern_id],
        data_classes=REGISTRATION_CLASSES, purpose="prevention",
    )

    notification_id = uuid4()
    notification = NotificationRequested(
        notification_id=notification_id,
        concern_id=concern.concern_id,
        municipality_code=concern.municipality_code,
        kind=NotificationKind.DUTY_TO_INFORM,
        honour_conflict=concern.flags.honour_conflict,
        requested_at=now,
        addressing=_sealed_address(notification_id, concern.person),
    )
    stage_event(
        session,
        runtime.settings,
        topic=NOTIFY_REQUESTS,
        body=notification,
        key=concern_id,
        subject=concern_id,
        share=Share.of(notification, recipient_kind="internal", purpose="duty_to_inform", case_stage="received",
                       flags=concern.flags.model_dump()),
    )

    await stage_aggregates(runtime, session, concern.municipality_code, period, k)


def _sealed_address(notification_id, person) -> SealedAddressing | None:
    """The citizen's address for the notice, sealed so only notify can open it when it sends.

    Without an addressing key the notice is still owed: notify records it for staff to address.
    """
    try:
        return seal_addressing(notification_id, addressing_key(), cpr=person.cpr, name=person.name)
    except AddressingError:
        log.warning("no addressing key: the duty-to-inform notice goes without an address")
        return None
