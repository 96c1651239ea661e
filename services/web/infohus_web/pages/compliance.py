"""Compliance: the processing log across the five services, "what would be shared?" and art. 15 access."""

import asyncio
import json
import re
from typing import Any
from uuid import UUID

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response

from infohus_platform.audit.subject_access import gather

from .. import labels
from ..client import ApiResult
from ..core import checked_form, render, require_session, web_of
from ..labels import actor_name

router = APIRouter()


@router.get("/compliance", response_class=HTMLResponse)
async def compliance(request: Request) -> Response:
    require_session(request)
    return _compliance(request, {})


def _compliance(request: Request, values: dict, *, log: dict | None = None, preview: dict | None = None,
                access: dict | None = None, errors: dict | None = None, status: int = 200) -> Response:
    return render(request, "compliance.html", title="Behandlingslog og deling", status=status, values=values,
                  log=log, preview=preview, access=access, errors=errors or {}, actor_name=actor_name,
                  recipient_kinds=labels.RECIPIENT_KINDS, purposes=labels.PURPOSES)


class _Unanswered(Exception):
    def __init__(self, service: str, result: ApiResult) -> None:
        self.service, self.result = service, result


@router.post("/compliance/indsigt")
async def subject_access(request: Request) -> Response:
    """Art. 15: everything the services hold about a person and who saw it, on screen or as a JSON file.

    The CPR number travels in the form body only; the file's name says nothing about the person.
    """
    session = require_session(request)
    form = await checked_form(request, session)
    cpr = re.sub(r"[\s-]", "", str(form.get("cpr") or ""))
    values = {"cpr": cpr}
    if not re.fullmatch(r"\d{10}", cpr):
        message = "CPR-nummeret skal være 10 cifre." if cpr else "Feltet skal udfyldes."
        return _compliance(request, values, errors={"cpr": message}, status=422)
    services = web_of(request).services

    async def ask(service: str, body: dict) -> dict:
        result = await services.call(service, "POST", "/api/v1/subject-access", session.token, json=body)
        if not result.ok:
            raise _Unanswered(service, result)
        return result.body

    try:
        export = await gather(cpr, ask)
    except _Unanswered as failed:
        service = labels.label(labels.SERVICES, failed.service)
        if failed.result.refused:
            return _compliance(request, values, access={"service": service, "reasons": failed.result.reasons},
                               status=403)
        return _compliance(request, values, access={"service": service, "problem": failed.result.problem()},
                           status=502)
    if form.get("format") == "json":
        return Response(json.dumps(export, ensure_ascii=False, indent=2), media_type="application/json",
                        headers={"Content-Disposition": 'attachment; filename="indsigt-art15.json"'})
    return _compliance(request, values, access=_access_page(export))


def _access_page(export: dict[str, Any]) -> dict[str, Any]:
    """The export on screen: per service how much it holds and withholds, and one processing log of them all."""
    answers = export["services"]
    entries = _newest_first([row | {"service": labels.label(labels.SERVICES, name)}
                             for name, answer in answers.items() for row in answer.get("processing_log", [])])
    summary = [{"service": labels.label(labels.SERVICES, name), "records": len(answer["records"]),
                "fields": sum(len(r["fields"]) for r in answer["records"]),
                "withheld": sum(1 for r in answer["records"] for f in r["fields"].values() if f.get("withheld")),
                "log": len(answer.get("processing_log", []))} for name, answer in answers.items()]
    return {"export": export, "summary": summary, "entries": entries}


@router.post("/compliance/behandlingslog")
async def processing_log(request: Request) -> Response:
    session = require_session(request)
    form = await checked_form(request, session)
    subject = str(form.get("subject_ref") or "").strip()
    values = {"subject_ref": subject}
    if message := _concern_id_problem(subject):
        return _compliance(request, values, log=None, preview=None, status=422, errors={"subject_ref": message})
    services, names = web_of(request).services, web_of(request).settings.instance_services
    params = {"subject_ref": subject}
    results: list[ApiResult] = await asyncio.gather(*[
        services.call(name, "GET", "/api/v1/processing-log", session.token, params=params) for name in names])
    return _compliance(request, values, log=_merged_log(names, results), preview=None)


def _merged_log(names: tuple[str, ...], results: list[ApiResult]) -> dict[str, Any]:
    """The five services' processing logs as one, newest first; a service that did not answer is a note."""
    entries: list[dict] = []
    notes: list[tuple[str, str | None, list[str] | None]] = []  # (service, problem, the policy's reasons)
    for name, result in zip(names, results, strict=True):
        service = labels.label(labels.SERVICES, name)
        if result.ok:
            rows = result.body.get("entries", []) if isinstance(result.body, dict) else result.body or []
            entries += [row | {"service": service} for row in rows if isinstance(row, dict)]
        elif result.refused:
            notes.append((service, None, result.reasons))
        else:
            notes.append((service, result.problem(), None))
    return {"entries": _newest_first(entries)[:500], "notes": notes}


@router.post("/compliance/deling")
async def share_preview(request: Request) -> Response:
    session = require_session(request)
    form = await checked_form(request, session)
    names = ("concern_id", "recipient_kind", "purpose", "necessity_reason")
    values = {n: str(form.get(n) or "").strip() for n in names}
    errors = {}
    if message := _concern_id_problem(values["concern_id"]):
        errors["concern_id"] = message
    if not values["recipient_kind"]:
        errors["recipient_kind"] = "Vælg en modtager."
    if errors:
        return _compliance(request, values, log=None, preview=None, errors=errors, status=422)
    body = {k: v for k, v in values.items() if v}
    result = await web_of(request).services.call("registry", "POST", "/api/v1/compliance/share-preview",
                                                 session.token, json=body)
    if result.ok:
        return _compliance(request, values, log=None, preview={"result": result.body})
    failure = result.failure()
    if result.invalid:
        return _compliance(request, values, log=None, preview=None, errors=failure.errors, status=failure.status)
    return _compliance(request, values, log=None, preview={"reasons": failure.reasons, "problem": failure.problem},
                       status=failure.status)


def _concern_id_problem(value: str) -> str | None:
    """What is wrong with a field that should hold a concern id, in Danish; None when it holds one."""
    try:
        UUID(value)
    except ValueError:
        return "Skriv henvendelsens id (36 tegn)." if value else "Feltet skal udfyldes."
    return None


def _newest_first(entries: list[dict]) -> list[dict]:
    return sorted(entries, key=lambda e: str(e.get("at") or ""), reverse=True)
