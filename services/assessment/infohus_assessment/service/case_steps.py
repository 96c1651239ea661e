"""What every step of the case process shares: the unit of work that stages a step's events, and
running a step as one access-checked, logged transaction (sagsskridt)."""

from collections.abc import Awaitable, Callable
from datetime import date, datetime
from typing import Any, TypeVar
from uuid import UUID, uuid4

from sqlmodel.ext.asyncio.session import AsyncSession

from infohus_contracts.case.notifications import (
    MeetingUrgency,
    NotificationKind,
    NotificationRequested,
    Recipient,
    RecipientKind,
    StaffRole,
)
from infohus_contracts.case.topics import CASE_EVENTS, NOTIFY_REQUESTS
from infohus_platform.auth import Guard, resource
from infohus_platform.errors import NotFound
from infohus_platform.messaging.outbox import Share, stage_event
from infohus_platform.runtime import Runtime

from .. import domain
from ..domain import utcnow
from ..storage import Case, CaseRepository, Meeting

T = TypeVar("T")
CASE_CLASSES = ["identity", "social", "narrative", "special_category", "process"]


class CaseWork:
    """One transaction of the case process: the repository, and the events the change stages."""

    def __init__(self, runtime: Runtime, session: AsyncSession) -> None:
        self.runtime = runtime
        self.session = session
        self.cases = CaseRepository(session)

    def stage(self, case: Case, event: Any) -> None:
        """A case event, shared internally (the relay asks OPA before it leaves)."""
        stage_event(
            self.session, self.runtime.settings, topic=CASE_EVENTS,
            body=event, key=case.concern_id, subject=case.concern_id,
            share=Share.of(event, recipient_kind="internal", purpose="prevention", case_stage=case.stage,
                           subject={"age": domain.age_on(case.birth_date, date.today()),
                                    "municipality_code": case.municipality_code},
                           flags={"honour_conflict": case.honour_conflict}),
        )

    def notify(self, municipality_code: str, kind: NotificationKind, recipients: list[Recipient], *,
               case: Case | None = None, due_at: datetime | None = None, meeting: Meeting | None = None) -> None:
        """Tell staff: ids, a link and a deadline, never case details."""
        request = NotificationRequested(
            notification_id=uuid4(), concern_id=case.concern_id if case else None,
            municipality_code=municipality_code, kind=kind, recipients=recipients, requested_at=utcnow(),
            link_path=f"/sager/{case.case_id}" if case else (f"/moeder/{meeting.meeting_id}" if meeting else None),
            due_at=due_at, meeting_id=meeting.meeting_id if meeting else None,
            meeting_urgency=MeetingUrgency(meeting.kind) if meeting else None,
        )
        stage_event(
            self.session, self.runtime.settings, topic=NOTIFY_REQUESTS,
            body=request, key=case.concern_id if case else municipality_code,
            subject=case.concern_id if case else None,
            share=Share.of(request, recipient_kind="internal", purpose="prevention"),
        )

    @staticmethod
    def change(case: Case, actor: str) -> dict[str, Any]:
        """The fields every case-change event carries."""
        return {"case_id": case.case_id, "concern_id": case.concern_id, "at": utcnow(), "actor": actor}


def staff_role(role: str) -> Recipient:
    return Recipient(kind=RecipientKind.STAFF_ROLE, role=StaffRole(role))


def case_resource(case: Case) -> dict[str, Any]:
    return resource("case", case.municipality_code, case_id=case.case_id)


async def load_case(runtime: Runtime, case_id: UUID | str) -> Case:
    async with runtime.db.session() as session:
        case = await CaseRepository(session).get(str(case_id))
    if case is None:
        raise NotFound("case")
    return case


async def run_step(runtime: Runtime, guard: Guard, case_id: UUID, action: str, classes: list[str],
                   step: Callable[[CaseWork, Case], Awaitable[T]]) -> tuple[Case, T]:
    """Check access, then run one step in one transaction, logged in that transaction."""
    case = await load_case(runtime, case_id)
    decision = await guard.require(action, case_resource(case), log_now=False)
    async with runtime.db.session() as session:
        work = CaseWork(runtime, session)
        current = await work.cases.get(str(case_id))
        assert current is not None  # it was there a moment ago; cases are deleted only on erasure
        result = await step(work, current)
        await guard.record(session, decision, action, subjects=[current.concern_id], data_classes=classes)
        await session.commit()
    runtime.relay.wake()
    return current, result
