"""Each topic owns the CloudEvents type of its events, and ``stage_event`` writes exactly that type."""

import typing
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, ClassVar
from uuid import uuid4

import pytest
from pydantic import BaseModel
from sqlalchemy.ext.asyncio import create_async_engine
from sqlmodel import SQLModel, select
from sqlmodel.ext.asyncio.session import AsyncSession

from infohus_contracts.base.topics import NETWORK_AGGREGATES, NETWORK_SUMMONS
from infohus_contracts.case.events import CaseClosed, CaseEvent, LeadChanged, LeadRole, PersonErased
from infohus_contracts.case.topics import ALL_TOPICS, CASE_EVENTS, CONCERN_RECEIVED, ERASURE, NOTIFY_REQUESTS
from infohus_platform.messaging.outbox import MESSAGING_TABLES, OutboxMessage, Share, stage_event
from infohus_platform.settings import ServiceSettings


class AssessmentSettings(ServiceSettings):
    service_name: ClassVar[str] = "assessment"
    default_port: ClassVar[int] = 0


CASE_EVENT_CLASSES: tuple[type[BaseModel], ...] = typing.get_args(typing.get_args(CaseEvent)[0])


def kind_of(model: type[BaseModel]) -> str:
    return typing.get_args(model.model_fields["kind"].annotation)[0]


def test_a_topic_of_one_kind_carries_one_type() -> None:
    assert CONCERN_RECEIVED.event_types == ("dk.infohus.concern.received.v1",)
    assert ERASURE.event_types == ("dk.infohus.person.erased.v1",)
    assert NOTIFY_REQUESTS.event_types == ("dk.infohus.notify.requested.v1",)
    assert NETWORK_AGGREGATES.event_types == ("dk.infohus.network.aggregate.v1",)
    assert NETWORK_SUMMONS.event_types == ("dk.infohus.network.summons_requested.v1",)
    body = PersonErased(concern_id=uuid4(), rule="R1", erased_at=datetime.now(UTC))
    assert ERASURE.event_type(body) == "dk.infohus.person.erased.v1"


def test_the_case_events_topic_carries_one_type_per_kind() -> None:
    kinds = [kind_of(model) for model in CASE_EVENT_CLASSES]
    assert len(kinds) == 12 and "case.opened" in kinds and "case.closed" in kinds
    assert CASE_EVENTS.event_types == tuple(f"dk.infohus.{kind}.v1" for kind in kinds)
    assert len(set(CASE_EVENTS.event_types)) == len(kinds)


@pytest.mark.parametrize("model", CASE_EVENT_CLASSES, ids=kind_of)
def test_a_case_event_is_typed_by_its_kind(model: type[BaseModel]) -> None:
    body = model.model_construct(kind=kind_of(model))
    assert CASE_EVENTS.event_type(body) == f"dk.infohus.{kind_of(model)}.v1"
    assert CASE_EVENTS.event_type(body) in CASE_EVENTS.event_types


def test_no_type_is_carried_by_two_topics() -> None:
    types = [event_type for topic in ALL_TOPICS for event_type in topic.event_types]
    assert len(types) == len(set(types))
    assert all("{" not in event_type and event_type.startswith("dk.infohus.") for event_type in types)


def case_change(**fields: Any) -> dict[str, Any]:
    return {"case_id": uuid4(), "concern_id": uuid4(), "at": datetime.now(UTC), "actor": "u-1", **fields}


async def test_stage_event_writes_the_topics_type_into_ce_type(tmp_path: Path) -> None:
    engine = create_async_engine(f"sqlite+aiosqlite:///{tmp_path / 'outbox.db'}")
    async with engine.begin() as connection:
        await connection.run_sync(SQLModel.metadata.create_all, tables=[t.__table__ for t in MESSAGING_TABLES])
    settings = AssessmentSettings(infohus_org="kommune-825")
    closed = CaseClosed(**case_change(reason="Ingen bekymring"))
    lead = LeadChanged(**case_change(lead=LeadRole.LOCAL_POLICE, reason="overdraget"))
    share = Share("registry", "registration", ("process",))
    async with AsyncSession(engine, expire_on_commit=False) as session:
        for body in (closed, lead):
            stage_event(session, settings, topic=CASE_EVENTS, body=body, key=str(body.concern_id), share=share,
                        subject=str(body.case_id))
        await session.commit()
        staged = (await session.exec(select(OutboxMessage))).all()
    await engine.dispose()

    assert [m.headers["ce_type"] for m in staged] == ["dk.infohus.case.closed.v1", "dk.infohus.case.lead_changed.v1"]
    first = staged[0]
    assert first.topic == CASE_EVENTS.name and first.key == str(closed.concern_id) and first.status == "pending"
    assert first.headers["ce_source"] == "/infohus/kommune-825/assessment"
    assert first.headers["ce_subject"] == str(closed.case_id) and first.headers["ce_id"] == first.event_id
    assert CaseClosed.model_validate_json(first.body) == closed
    assert first.share == {"recipient_kind": "registry", "purpose": "registration", "data_classes": ["process"]}
