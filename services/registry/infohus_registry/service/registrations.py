"""The basic registration (grundregistrering): registered when a case opens, kept current with its
events, read and listed by the municipality's registration staff."""

from typing import Protocol
from uuid import UUID, uuid4

import structlog
from sqlmodel.ext.asyncio.session import AsyncSession

from infohus_contracts.case.events import CaseEvent, CaseOpened, ConcernDetails, Person
from infohus_contracts.case.notifications import (
    AddressingError,
    NotificationKind,
    NotificationRequested,
    SealedAddressing,
    addressing_key,
    seal_addressing,
)
from infohus_contracts.case.topics import NOTIFY_REQUESTS
from infohus_platform.audit import processing_log
from infohus_platform.auth import Guard, resource
from infohus_platform.errors import MalformedEvent, NotFound
from infohus_platform.messaging.outbox import Share, stage_event, utcnow
from infohus_platform.runtime import Runtime
from infohus_platform.tenancy import require_own_tenant

from ..domain import REGISTRATION_CLASSES, age_band, apply_change, period_of
from ..schemas import LISTED_FIELDS, RegistrationEntryPublic, RegistrationPublic
from ..storage import Registration, RegistrationRepository
from .statistics import mark_due

log = structlog.get_logger(__name__)

ACTOR = "service:registry"


async def record_case_event(runtime: Runtime, session: AsyncSession, event: CaseEvent) -> None:
    """A case event from assessment: the opening registers the concern, every later event updates it."""
    if isinstance(event, CaseOpened):
        await register_case(runtime, session, event)
    else:
        await apply_case_change(runtime, session, event)


async def register_case(runtime: Runtime, session: AsyncSession, event: CaseOpened) -> None:
    """Register a newly opened case, request the duty-to-inform notice and mark the month's aggregates due.

    A registration that exists already (a redelivered opening) is left as it is; a concern of a
    municipality this instance does not serve raises ``ForeignTenant`` (dead-lettered).
    """
    require_own_tenant(runtime.settings, event.concern.municipality_code)
    repository = RegistrationRepository(session)
    concern = event.concern
    concern_id = str(concern.concern_id)
    if await repository.get(concern_id) is not None:
        return
    now = utcnow()
    period = period_of(concern.received_at)
    controlled = runtime.settings.controlled()
    repository.add(
        Registration(
            controller=controlled["controller"],
            regime=controlled["regime"],
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
        session, actor=ACTOR, action="registration.create", subjects=[concern_id],
        data_classes=REGISTRATION_CLASSES, purpose="prevention",
    )
    request_duty_to_inform(runtime, session, concern, now)
    await mark_due(runtime, session, concern.municipality_code, period)


class CaseChangeEvent(Protocol):
    """Any case event after the opening: it names its kind and its concern."""

    @property
    def kind(self) -> str: ...

    @property
    def concern_id(self) -> UUID: ...


async def apply_case_change(runtime: Runtime, session: AsyncSession, event: CaseChangeEvent) -> None:
    """Keep the registration current with a case event; an anonymised (erased) one stays as it is."""
    registration = await RegistrationRepository(session).get(str(event.concern_id))
    if registration is None:
        # Case events are keyed by concern id, so the opening always comes first.
        raise MalformedEvent("a case event for a concern that was never registered")
    if registration.erased_at is not None or not apply_change(registration, event):
        return
    registration.updated_at = utcnow()
    session.add(registration)
    await processing_log.record(
        session, actor=ACTOR, action=f"registration.update:{event.kind}",
        subjects=[registration.concern_id], data_classes=REGISTRATION_CLASSES,
        purpose="prevention",
    )
    await session.flush()
    await mark_due(runtime, session, registration.municipality_code, registration.period)


def request_duty_to_inform(runtime: Runtime, session: AsyncSession, concern: ConcernDetails,
                           requested_at) -> NotificationRequested:
    """Stage the request that notify tells the citizen of the registration (oplysningspligt)."""
    notification_id = uuid4()
    notification = NotificationRequested(
        notification_id=notification_id,
        concern_id=concern.concern_id,
        municipality_code=concern.municipality_code,
        kind=NotificationKind.DUTY_TO_INFORM,
        honour_conflict=concern.flags.honour_conflict,
        requested_at=requested_at,
        addressing=_sealed_address(notification_id, concern.person),
    )
    concern_id = str(concern.concern_id)
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
    return notification


def _sealed_address(notification_id: UUID, person: Person) -> SealedAddressing | None:
    """The citizen's address for the notice, sealed so only notify can open it when it sends.

    Without an addressing key the notice is still owed: notify records it for staff to address.
    """
    try:
        return seal_addressing(notification_id, addressing_key(), cpr=person.cpr, name=person.name)
    except AddressingError:
        log.warning("no addressing key: the duty-to-inform notice goes without an address")
        return None


async def list_registrations(runtime: Runtime, guard: Guard, period: str | None, open_only: bool,
                             limit: int) -> list[RegistrationEntryPublic]:
    """The caller's municipality's registrations, newest first; every listed one is a logged read."""
    municipality = guard.principal.municipality_code
    decision = await guard.require("registration.list", resource("registration", municipality), log_now=False)
    classes = sorted({Registration.__data_classes__[name] for name in LISTED_FIELDS})
    async with runtime.db.session() as session:
        rows = await RegistrationRepository(session).listing(municipality, period, open_only, limit)
        await guard.record(session, decision, "registration.list", subjects=[row.concern_id for row in rows],
                           data_classes=classes)
        await session.commit()
    return [RegistrationEntryPublic.model_validate(row) for row in rows]


async def read_registration(runtime: Runtime, guard: Guard, concern_id: UUID) -> RegistrationPublic:
    """One whole registration; the access decides on the registration's municipality."""
    found = await registration_for(runtime, guard, "registration.read", concern_id, REGISTRATION_CLASSES)
    return RegistrationPublic.model_validate(found)


NO_REGISTRATION = "no registration for that concern"


async def registration_for(runtime: Runtime, guard: Guard, action: str, concern_id: UUID,
                           data_classes: list[str]) -> Registration:
    """The registration ``action`` is about, for a caller the policy allows it.

    Decide, then look up: an unknown concern and one the caller may not see answer alike (404). The lookup's
    session is closed before the decision on the found registration, which logs in a session of its own: a
    request never holds two database connections at once.
    """
    await guard.require_in_own_scope(action, "registration", subject_ref=str(concern_id))
    async with runtime.db.session() as session:
        found = await RegistrationRepository(session).get(str(concern_id))
    not_found = NotFound("registration", detail=NO_REGISTRATION)
    if found is None:
        raise not_found
    await guard.require_found(action, resource("registration", found.municipality_code), subject_ref=found.concern_id,
                              data_classes=data_classes, not_found=not_found)
    return found
