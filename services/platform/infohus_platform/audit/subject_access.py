"""Art. 15 access requests: everything each service holds about a person, and who saw it.

Each service answers ``POST /api/v1/subject-access`` for compliance staff with its records about
the given concerns (intake also finds them by CPR number) and its processing-log entries about them,
after applying the exemptions OPA records (recipient ``data_subject``, purpose ``access_request``):
a withheld field has no value and says why. ``gather`` puts every service's answer together; the
CLI and the web interface's compliance page both use it.

    python -m infohus_tools.subject_access --out export.json     # asks for the CPR number on stdin
"""

import asyncio
import json
from collections.abc import Awaitable, Callable
from datetime import datetime
from typing import Annotated, Any
from uuid import UUID

from fastapi import APIRouter, Depends
from pydantic import BaseModel, Field
from sqlmodel import SQLModel, col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from infohus_contracts.base.classes import field_classes
from infohus_platform.auth import GuardDep, resource
from infohus_platform.runtime import Runtime, runtime_of

from .processing_log import ProcessingLogEntry

Collect = Callable[[AsyncSession, list[str]], Awaitable[list[dict[str, Any]]]]
FindByCpr = Callable[[AsyncSession, Runtime, str], Awaitable[list[str]]]


class SubjectAccessCreate(BaseModel):
    concern_ids: list[UUID] = Field(default_factory=list, max_length=200)
    cpr: str | None = Field(None, pattern=r"^\d{10}$", description="only intake looks up by CPR number")


class RecordFieldPublic(BaseModel):
    """One stored value with its data class; a withheld one has no value and says why."""

    value: Any = None
    data_class: str | None = None
    withheld: list[str] | None = None


class RecordPublic(BaseModel):
    table: str
    fields: dict[str, RecordFieldPublic]


class ExportedLogEntryPublic(BaseModel):
    seq: int
    at: datetime
    actor: str
    actor_roles: list[str]
    action: str
    data_classes: list[str]
    purpose: str
    outcome: str


class SubjectAccessPublic(BaseModel):
    """What one service holds about the concerns (art. 15), after the exemptions, and who saw it."""

    service: str
    controller: str
    regime: str
    concern_ids: list[str]
    records: list[RecordPublic]
    exemptions: dict[str, list[str]]
    processing_log: list[ExportedLogEntryPublic]


def row_record(row: SQLModel, *, expand: dict[str, type[BaseModel]] | None = None,
               exclude: tuple[str, ...] = ()) -> dict[str, Any]:
    """A table row as ``{field: {"value", "data_class"}}``; JSON copies of contracts are opened up."""
    classes: dict[str, str] = getattr(type(row), "__data_classes__", {})
    fields: dict[str, Any] = {}
    for name, value in row.model_dump(mode="json").items():
        if name in exclude:
            continue
        if expand and name in expand and isinstance(value, str):
            model = expand[name]
            content = json.loads(value)
            for path, data_class in field_classes(model).items():
                nested = _dig(content, path)
                if nested not in (None, "", []):
                    fields[f"{name}.{path}"] = {"value": nested, "data_class": data_class.value if data_class else None}
            continue
        fields[name] = {"value": value, "data_class": classes.get(name)}
    return {"table": type(row).__tablename__, "fields": fields}


def _dig(content: Any, path: str) -> Any:
    for part in path.split("."):
        if not isinstance(content, dict):
            return None
        content = content.get(part)
    return content


def subject_access_router(collect: Collect, find_by_cpr: FindByCpr | None = None) -> APIRouter:
    router = APIRouter(prefix="/api/v1", tags=["compliance"])

    # Unset fields stay out of the answer: only a withheld value carries ``withheld``.
    @router.post("/subject-access", response_model=SubjectAccessPublic, response_model_exclude_unset=True)
    async def subject_access(body: SubjectAccessCreate, runtime: Annotated[Runtime, Depends(runtime_of)],
                             guard: GuardDep) -> dict[str, Any]:
        decision = await guard.require("processing_log.export",
                                       resource("subject_access", guard.principal.municipality_code), log_now=False)
        async with runtime.db.session() as session:
            concern_ids = [str(concern_id) for concern_id in body.concern_ids]
            if body.cpr and find_by_cpr is not None:
                concern_ids += [c for c in await find_by_cpr(session, runtime, body.cpr) if c not in concern_ids]
            records = await collect(session, concern_ids) if concern_ids else []
            entry = ProcessingLogEntry
            in_order = (col(entry.at), col(entry.chain), col(entry.seq))
            log_rows = (await session.exec(select(entry).where(col(entry.subject_ref).in_(concern_ids))
                                           .order_by(*in_order))).all() if concern_ids else []
            # The export itself is a read of each concern's data: logged per concern, after the rows it reports.
            await guard.record(session, decision, "processing_log.export", subjects=list(concern_ids),
                                    data_classes=sorted({f["data_class"] for r in records for f in r["fields"].values()
                                                         if f["data_class"]}) or ["process"])
            await session.commit()
        withheld = await exemptions(runtime, {f["data_class"] for r in records for f in r["fields"].values()
                                              if f["data_class"]})
        for record in records:
            for field in record["fields"].values():
                reasons = withheld.get(field["data_class"] or "", ["field has no data class: withheld"])
                if reasons:
                    field["value"] = None
                    field["withheld"] = reasons
        return {
            "service": runtime.settings.service_name, "controller": runtime.settings.infohus_org,
            "regime": runtime.settings.infohus_regime, "concern_ids": concern_ids, "records": records,
            "exemptions": {c: r for c, r in withheld.items() if r},
            "processing_log": [r.model_dump(mode="json", include={"seq", "at", "actor", "actor_roles", "action",
                                                                  "data_classes", "purpose", "outcome"})
                               for r in log_rows],
        }

    return router


async def exemptions(runtime: Runtime, classes: set[str]) -> dict[str, list[str]]:
    """Per data class: the reasons it is withheld from the data subject (empty when it may be given)."""
    settings = runtime.settings
    verdicts: dict[str, list[str]] = {}
    for data_class in sorted(classes):
        decision = await runtime.policy.share({
            "action": "send", "sender": settings.sender(),
            "recipient": {"kind": "data_subject", "org": settings.infohus_org}, "purpose": "access_request",
            "data_classes": [data_class], "acting_role": "compliance_officer"})
        verdicts[data_class] = [] if decision.allow else list(decision.reasons)
    return verdicts


# --- one person's data from every service ------------------------------------------------------

SERVICES = ("intake", "assessment", "registry", "notify")
Ask = Callable[[str, dict[str, Any]], Awaitable[dict[str, Any]]]


async def gather(cpr: str, ask: Ask) -> dict[str, Any]:
    """Intake finds the person's concerns by CPR number; every service then answers for those concerns.

    ``ask(service, body)`` posts to that service's ``/api/v1/subject-access`` and returns its answer.
    """
    answers = {"intake": await ask("intake", {"cpr": cpr})}
    concern_ids = answers["intake"]["concern_ids"]
    others = [name for name in SERVICES if name != "intake"]
    for name, answer in zip(others, await asyncio.gather(*[ask(name, {"concern_ids": concern_ids})
                                                           for name in others]), strict=True):
        answers[name] = answer
    withheld: dict[str, list[str]] = {}
    for answer in answers.values():
        for data_class, reasons in answer.get("exemptions", {}).items():
            withheld.setdefault(data_class, [])
            withheld[data_class] += [r for r in reasons if r not in withheld[data_class]]
    return {"concern_ids": concern_ids, "services": answers, "exemptions": withheld}
