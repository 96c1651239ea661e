"""Enrichment requests for the authorities, meetings, the basic registration, statistics and compliance."""

import asyncio
import json
import re
from datetime import datetime
from typing import Any, Annotated
from uuid import UUID

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, Response

from infohus_platform.subject_access import gather

from . import labels
from .cases import actor_name
from .charts import Bar, bar_chart
from .client import ApiResult
from .core import LOCAL_TIME, checked_form, parse_datetime, redirect, refused, render, require_session, web_of
from .messages import field_errors
from .settings import SERVICE_NAMES

router = APIRouter()


# --- enrichment requests (forespørgsler) ---------------------------------------------------------

@router.get("/forespoergsler", response_class=HTMLResponse)
async def requests_page(request: Request) -> Response:
    session = require_session(request)
    return await _requests(request, session, {})


async def _requests(request: Request, session, state: dict, status: int = 200) -> Response:
    result = await web_of(request).services.call("assessment", "GET", "/api/v1/enrichment-requests", session.token)
    if not result.ok:
        return refused(request, result, what="forespørgslerne")
    items = result.body
    open_items = [r for r in items if r["status"] == "requested"]
    done_items = [r for r in items if r["status"] != "requested"]
    return render(request, "requests.html", title="Forespørgsler om berigelse", status=status, open_items=open_items,
                  done_items=done_items, state=state, answers=session.has_role("authority_caseworker"),
                  actor_name=actor_name)


@router.post("/forespoergsler/{request_id}/svar")
async def answer(request: Request, request_id: UUID) -> Response:
    session = require_session(request)
    form = await checked_form(request, session)
    text = str(form.get("answer") or "").strip()
    result = await web_of(request).services.call(
        "assessment", "POST", f"/api/v1/enrichment-requests/{request_id}/answer", session.token, json={"answer": text})
    if result.ok:
        session.add_flash("Svaret er sendt til infohuset.")
        return redirect("/forespoergsler")
    state = {"request_id": str(request_id), "answer": text}
    if result.invalid:
        state["errors"] = field_errors(result.body)
    elif result.refused:
        state["reasons"] = result.reasons
    else:
        state["problem"] = result.problem()
    return await _requests(request, session, state, status=result.status if result.status >= 400 else 502)


# --- meetings ------------------------------------------------------------------------------------

@router.get("/moeder", response_class=HTMLResponse)
async def meetings_page(request: Request) -> Response:
    session = require_session(request)
    return await _meetings(request, session, {}, {})


async def _meetings(request: Request, session, values: dict, errors: dict, status: int = 200,
                    reasons: list[str] | None = None, problem: str | None = None) -> Response:
    result = await web_of(request).services.call("assessment", "GET", "/api/v1/meetings", session.token)
    if not result.ok:
        return refused(request, result, what="møderne")
    now = datetime.now(LOCAL_TIME)
    when = {m["meeting_id"]: parse_datetime(m["scheduled_for"]) or now for m in result.body}
    upcoming = [m for m in result.body if when[m["meeting_id"]] >= now]
    past = [m for m in result.body if when[m["meeting_id"]] < now]
    return render(request, "meetings.html", title="Møder i Infohus Kommune", status=status, upcoming=upcoming,
                  past=list(reversed(past))[:10], values=values, errors=errors, reasons=reasons, problem=problem,
                  can_convene=session.has_role("ssp_coordinator", "police_coordinator"), actor_name=actor_name)


@router.get("/moeder/{meeting_id}")
async def meeting(request: Request, meeting_id: UUID) -> Response:
    """The link in a meeting summons (notify's ``link_path``): the meetings page at that meeting."""
    require_session(request)
    return redirect(f"/moeder#moede-{meeting_id}")


@router.post("/moeder")
async def convene(request: Request) -> Response:
    session = require_session(request)
    form = await checked_form(request, session)
    values = {"kind": str(form.get("kind") or ""), "scheduled_for": str(form.get("scheduled_for") or "").strip()}
    body: dict[str, Any] = {"kind": values["kind"] or None}
    if values["scheduled_for"]:
        try:
            moment = datetime.fromisoformat(values["scheduled_for"])
            body["scheduled_for"] = moment.replace(tzinfo=LOCAL_TIME).isoformat()
        except ValueError:
            body["scheduled_for"] = values["scheduled_for"]
    result = await web_of(request).services.call("assessment", "POST", "/api/v1/meetings", session.token, json=body)
    if result.ok:
        session.add_flash("Mødet er indkaldt med dagsorden ud fra de åbne sager.")
        return redirect("/moeder")
    errors = field_errors(result.body) if result.invalid else {}
    return await _meetings(request, session, values, errors, status=result.status if result.status >= 400 else 502,
                           reasons=result.reasons if result.refused else None,
                           problem=None if result.invalid or result.refused else result.problem())


# --- the basic registration ------------------------------------------------------------------------

@router.get("/registrering", response_class=HTMLResponse)
async def registration_list(
    request: Request,
    maaned: Annotated[str, Query(pattern=r"^(\d{4}-(0[1-9]|1[0-2]))?$")] = "",
    aabne: Annotated[str, Query(pattern="^(ja)?$")] = "",
) -> Response:
    """The registrations, newest first, filtered by month and open/closed (codes only in the URL)."""
    session = require_session(request)
    return await _registrations(request, session, {"maaned": maaned, "aabne": aabne == "ja"}, {}, {})


async def _registrations(request: Request, session, filters: dict, values: dict, errors: dict,
                         status: int = 200) -> Response:
    params = {"limit": 200} | ({"period": filters["maaned"]} if filters["maaned"] else {}) | (
        {"open": "true"} if filters["aabne"] else {})
    result = await web_of(request).services.call("registry", "GET", "/api/v1/registrations", session.token,
                                                 params=params)
    if not result.ok:
        return refused(request, result, what="grundregistreringen")
    return render(request, "registration.html", title="Grundregistrering", status=status, registration=None,
                  registrations=result.body, filters=filters, errors=errors, values=values)


@router.post("/registrering")
async def registration_find(request: Request) -> Response:
    """The concern id is posted, never put in a query string; the page itself lives under the id."""
    session = require_session(request)
    form = await checked_form(request, session)
    value = str(form.get("concern_id") or "").strip()
    try:
        concern_id = UUID(value)
    except ValueError:
        return await _registrations(request, session, {"maaned": "", "aabne": False}, {"concern_id": value},
                                    {"concern_id": "Skriv henvendelsens id (36 tegn, fx fra sagen eller brevet)."},
                                    status=422)
    return redirect(f"/registrering/{concern_id}")


@router.get("/registrering/{concern_id}", response_class=HTMLResponse)
async def registration(request: Request, concern_id: UUID) -> Response:
    session = require_session(request)
    result = await web_of(request).services.call("registry", "GET", f"/api/v1/registrations/{concern_id}",
                                                 session.token)
    if not result.ok:
        return refused(request, result, what="grundregistreringen")
    return render(request, "registration.html", title="Grundregistrering", registration=result.body, errors={},
                  values={}, actor_name=actor_name)


# --- statistics ------------------------------------------------------------------------------------

MONTH = r"^\d{4}-(0[1-9]|1[0-2])$"
BREAKDOWNS = [
    ("by_period", "Henvendelser pr. måned", None),
    ("concern_levels", "Bekymringsniveau", labels.CONCERN_LEVELS | {"ukendt": "Ikke vurderet"}),
    ("outcomes", "Indledende vurdering", labels.OUTCOMES_SHORT),
    ("sources", "Hvem henvendelsen kom fra", labels.SOURCES | {"ukendt": "Ukendt"}),
    ("age_bands", "Alder", labels.AGE_BANDS | {"ukendt": "Ukendt alder"}),
    ("efforts", "Indsats", labels.EFFORT_LEVELS | {"ukendt": "Ingen indsats (endnu)"}),
]


@router.get("/statistik", response_class=HTMLResponse)
async def statistics(request: Request, fra: Annotated[str | None, Query(pattern=MONTH)] = None,
                     til: Annotated[str | None, Query(pattern=MONTH)] = None) -> Response:
    session = require_session(request)
    params = {k: v for k, v in {"from": fra, "to": til}.items() if v}
    result = await web_of(request).services.call("registry", "GET", "/api/v1/statistics", session.token, params=params)
    if not result.ok:
        return refused(request, result, what="statistikken")
    body = result.body
    charts = []
    for key, title, names in BREAKDOWNS:
        counts: dict[str, int] = body.get(key) or {}
        bars = [Bar(names.get(k, k) if names else _month(k), int(v)) for k, v in counts.items()]
        charts.append({"id": f"diagram-{key.replace('_', '-')}", "title": title, "svg": bar_chart(
            f"diagram-{key.replace('_', '-')}", title, bars), "rows": bars})
    return render(request, "statistics.html", title="Statistik", stats=body, charts=charts,
                  period={"fra": fra or "", "til": til or ""})


MONTHS = ["januar", "februar", "marts", "april", "maj", "juni", "juli", "august", "september", "oktober",
          "november", "december"]


def _month(period: str) -> str:
    try:
        year, month = period.split("-")
        return f"{MONTHS[int(month) - 1]} {year}"
    except (ValueError, IndexError):
        return period


# --- compliance: the processing log, "what would be shared?" and art. 15 -----------------------------


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
    entries = [row | {"service": labels.label(labels.SERVICES, name)}
               for name, answer in export["services"].items() for row in answer.get("processing_log", [])]
    entries.sort(key=lambda e: str(e.get("at") or ""), reverse=True)
    summary = [{"service": labels.label(labels.SERVICES, name), "records": len(answer["records"]),
                "fields": sum(len(r["fields"]) for r in answer["records"]),
                "withheld": sum(1 for r in answer["records"] for f in r["fields"].values() if f.get("withheld")),
                "log": len(answer.get("processing_log", []))} for name, answer in export["services"].items()]
    return _compliance(request, values, access={"export": export, "summary": summary, "entries": entries})


@router.post("/compliance/behandlingslog")
async def processing_log(request: Request) -> Response:
    session = require_session(request)
    form = await checked_form(request, session)
    subject = str(form.get("subject_ref") or "").strip()
    values = {"subject_ref": subject}
    try:
        UUID(subject)
    except ValueError:
        message = "Skriv henvendelsens id (36 tegn)." if subject else "Feltet skal udfyldes."
        return _compliance(request, values, log=None, preview=None, status=422, errors={"subject_ref": message})
    services = web_of(request).services
    params = {"subject_ref": subject}
    results: list[ApiResult] = await asyncio.gather(*[
        services.call(name, "GET", "/api/v1/processing-log", session.token, params=params) for name in SERVICE_NAMES])
    entries, notes = [], []
    for name, result in zip(SERVICE_NAMES, results, strict=True):
        service = labels.label(labels.SERVICES, name)
        if result.ok:
            rows = result.body.get("entries", []) if isinstance(result.body, dict) else result.body or []
            entries += [row | {"service": service} for row in rows if isinstance(row, dict)]
        elif result.refused:
            notes.append((service, None, result.reasons))
        else:
            notes.append((service, result.problem(), None))
    entries.sort(key=lambda e: str(e.get("at") or ""), reverse=True)
    return _compliance(request, values, log={"entries": entries[:500], "notes": notes}, preview=None)


@router.post("/compliance/deling")
async def share_preview(request: Request) -> Response:
    session = require_session(request)
    form = await checked_form(request, session)
    names = ("concern_id", "recipient_kind", "purpose", "necessity_reason")
    values = {n: str(form.get(n) or "").strip() for n in names}
    errors = {}
    try:
        UUID(values["concern_id"])
    except ValueError:
        errors["concern_id"] = "Skriv henvendelsens id (36 tegn)." if values["concern_id"] else "Feltet skal udfyldes."
    if not values["recipient_kind"]:
        errors["recipient_kind"] = "Vælg en modtager."
    if errors:
        return _compliance(request, values, log=None, preview=None, errors=errors, status=422)
    body = {k: v for k, v in values.items() if v}
    result = await web_of(request).services.call("registry", "POST", "/api/v1/compliance/share-preview",
                                                 session.token, json=body)
    if result.ok:
        return _compliance(request, values, log=None, preview={"result": result.body})
    if result.invalid:
        return _compliance(request, values, log=None, preview=None, errors=field_errors(result.body), status=422)
    if result.refused:
        return _compliance(request, values, log=None, preview={"reasons": result.reasons}, status=403)
    return _compliance(request, values, log=None, preview={"problem": result.problem()},
                       status=result.status if result.status >= 400 else 502)
