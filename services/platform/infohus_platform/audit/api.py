"""The processing log over HTTP: ``GET /api/v1/processing-log`` for compliance staff."""

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Depends, Query
from pydantic import BaseModel
from sqlmodel import col, select

from infohus_platform.auth import GuardDep, resource
from infohus_platform.runtime import Runtime, runtime_of

from .processing_log import ProcessingLogEntry


class ProcessingLogEntryPublic(BaseModel):
    """One entry of the processing log (behandlingslog), with its hash in the chain."""

    seq: int
    at: datetime
    actor: str
    actor_roles: list[str]
    action: str
    subject_ref: str | None
    data_classes: list[str]
    purpose: str
    decision_id: str | None
    outcome: str
    hash: str


def processing_log_router() -> APIRouter:
    """``GET /api/v1/processing-log``: this service's log entries about one subject, for compliance staff."""
    router = APIRouter(prefix="/api/v1", tags=["compliance"])

    @router.get("/processing-log")
    async def read_log(runtime: Annotated[Runtime, Depends(runtime_of)], guard: GuardDep,
                       subject_ref: Annotated[str, Query(min_length=1, max_length=100)],
                       limit: Annotated[int, Query(ge=1, le=1000)] = 200) -> list[ProcessingLogEntryPublic]:
        await guard.require("processing_log.read", resource("processing_log", guard.principal.municipality_code),
                            subject_ref=subject_ref, data_classes=["process"])
        async with runtime.db.session() as session:
            entry = ProcessingLogEntry
            query = (select(entry).where(entry.subject_ref == subject_ref)
                     .order_by(col(entry.at), col(entry.chain), col(entry.seq)).limit(limit))
            rows = (await session.exec(query)).all()
        return [ProcessingLogEntryPublic.model_validate(row.model_dump(exclude={"prev_hash"})) for row in rows]

    return router
