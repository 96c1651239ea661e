"""The case list and the case page, with every step of the workflow as a form posted to assessment's API."""

import asyncio
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any, Literal
from uuid import UUID

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response
from starlette.datastructures import FormData

from infohus_contracts.base.cpr import birth_date_from_cpr

from .. import labels
from ..client import ApiResult
from ..core import checked_form, redirect, refused, render, require_session, web_of
from ..labels import actor_name
from ..sessions import Session

router = APIRouter()

CASE_WORKERS = ("ssp_coordinator", "police_coordinator")
_instrument_cache: dict[str, Any] = {}


# --- the case list ---------------------------------------------------------------------------

@router.get("/sager", response_class=HTMLResponse)
async def case_list(
    request: Request,
    status: Literal["", "received", "enrichment", "decision", "effort", "follow_up", "closed"] = "",
    lead: Literal["", "ssp_coordinator", "local_police"] = "",
    overdue: Literal["", "ja"] = "",
    urgent: Literal["", "ja", "nej"] = "",
) -> Response:
    """Filters are codes only (no personal data in the URL)."""
    session = require_session(request)
    params: dict[str, Any] = {}
    if overdue:
        params["overdue"] = "true"
    else:
        params |= {k: v for k, v in {"stage": status, "lead": lead}.items() if v}
        if urgent:
            params["urgent"] = "true" if urgent == "ja" else "false"
    result = await web_of(request).services.call("assessment", "GET", "/api/v1/cases", session.token, params=params)
    if not result.ok:
        return refused(request, result, what="sagslisten")
    cases = [c for c in result.body
             if (not status or c["stage"] == status) and (not lead or c["lead"] == lead)
             and (not urgent or c["urgent"] == (urgent == "ja"))]
    filters = {"status": status, "lead": lead, "overdue": overdue, "urgent": urgent}
    return render(request, "cases.html", title="Sager", cases=cases, filters=filters,
                  can_register=session.has_role(*CASE_WORKERS))


# --- the case page ---------------------------------------------------------------------------

@dataclass
class FormState:
    """What a failed form brings back to the page: its name, values, errors and any refusal."""

    name: str = ""
    values: dict[str, Any] = field(default_factory=dict)
    errors: dict[str, str] = field(default_factory=dict)
    reasons: list[str] = field(default_factory=list)
    share_refused: bool = False
    problem: str | None = None


async def instrument(request: Request) -> dict | None:
    if "current" not in _instrument_cache:
        result = await web_of(request).services.call("assessment", "GET", "/api/v1/instruments/current", None)
        if not result.ok:
            return None
        _instrument_cache["current"] = result.body
    return _instrument_cache["current"]


@router.get("/sager/{case_id}", response_class=HTMLResponse)
async def case_page(request: Request, case_id: UUID) -> Response:
    session = require_session(request)
    return await _case_page(request, session, case_id, FormState())


async def _case_page(request: Request, session: Session, case_id: UUID, state: FormState,
                     status: int = 200) -> Response:
    services = web_of(request).services
    case_r, history_r, tool = await asyncio.gather(
        services.call("assessment", "GET", f"/api/v1/cases/{case_id}", session.token),
        services.call("assessment", "GET", f"/api/v1/cases/{case_id}/history", session.token),
        instrument(request),
    )
    if not case_r.ok:
        return refused(request, case_r, what="denne sag")
    case = case_r.body
    notices_r = await services.call("notify", "GET", f"/api/v1/notifications?concern_id={case['concern_id']}",
                                    session.token)
    if isinstance(case.get("concern"), str):  # assessment keeps the concern as JSON text
        case["concern"] = json.loads(case["concern"])
    history = history_r.body if history_r.ok else []
    return render(request, "case.html", title=f"Sag {str(case['case_id'])[:8]}", status=status, case=case,
                  person=_person(case), timeline=[_timeline_item(h) for h in history],
                  notice=_duty_to_inform(notices_r.body if notices_r.ok else []),
                  history_refused=None if history_r.ok else history_r.reasons, instrument=tool,
                  can=_permissions(session, case), state=state, actor_name=actor_name,
                  default_deadline=(date.today() + timedelta(days=10)).isoformat(),
                  tomorrow=(date.today() + timedelta(days=1)).isoformat())


def _duty_to_inform(notifications: list[dict]) -> dict | None:
    """The art. 13/14 notice: sent, or held under an exemption with its reason and review date."""
    notice = next((n for n in notifications if n.get("kind") == "duty_to_inform"), None)
    if notice is None:
        return None
    review_on = notice.get("review_on")
    return notice | {"review_due": bool(review_on and date.fromisoformat(review_on[:10]) <= date.today())}


def _person(case: dict) -> dict:
    person = dict((case.get("concern") or {}).get("person") or {})
    born = person.get("birth_date")
    cpr = person.get("cpr")
    if not born and cpr:
        try:
            born = birth_date_from_cpr(cpr).isoformat()
        except ValueError:
            born = None
    age = person.get("age")
    if born:
        b = date.fromisoformat(born)
        today = date.today()
        age = today.year - b.year - ((today.month, today.day) < (b.month, b.day))
    person |= {"birth_date": born, "age": age, "masked_cpr": f"{cpr[:6]}-xxxx" if cpr else None}
    return person


def _permissions(session: Session, case: dict) -> dict[str, Any]:
    """Which forms the page offers this role. A hint for the eye only: the service asks OPA on every post."""
    stage = case["stage"]
    works = session.has_role(*CASE_WORKERS)
    decisions = case.get("decisions") or []
    pending = any(d["approval"] == "pending" for d in decisions)
    return {
        "initial": works and stage == "received",
        "enrich": works and stage in ("enrichment", "decision", "effort", "follow_up"),
        "assess": works and stage not in ("received", "closed"),
        "decide": works and bool(case.get("assessments")) and stage in ("enrichment", "decision") and not pending,
        "approve": session.has_role("leadership"),
        "pet": session.has_role("ssp_coordinator", "police_coordinator", "leadership"),
        "follow_up": works and stage in ("effort", "follow_up"),
        "close": works and stage != "closed",
        "underretning": works and stage != "closed",
        "registration": session.has_role("registration_coordinator", "leadership"),
        "user_id": session.user.get("user_id"),
    }


def _timeline_item(entry: dict) -> dict:
    event = entry.get("event") or {}
    kind = event.get("kind") or str(entry.get("type") or "").removeprefix("dk.infohus.").removesuffix(".v1")
    L = labels
    details = {
        "case.opened": lambda: f"Tovholder: {L.label(L.LEADS, event.get('lead'))}",
        "case.initial_assessment_made": lambda: (f"{L.label(L.OUTCOMES, event.get('outcome'))} "
                                                 f"({L.label(L.APPROACHES, event.get('approach')).lower()})"),
        "case.enrichment_requested": lambda: (f"Til {L.label(L.AUTHORITIES, event.get('authority'))}, "
                                              f"frist {_dk_date(event.get('deadline'))}"),
        "case.enrichment_answered": lambda: f"Fra {L.label(L.AUTHORITIES, event.get('authority'))}",
        "case.assessed": lambda: f"Bekymringsniveau: {L.label(L.CONCERN_LEVELS, event.get('concern_level'))}",
        "case.decided": lambda: (f"{L.label(L.EFFORT_LEVELS, event.get('effort_level'))}; "
                                 + ("står ved magt" if event.get("standing") else "afventer ledelsens godkendelse")),
        "case.lead_changed": lambda: f"Ny tovholder: {L.label(L.LEADS, event.get('lead'))}",
        "case.underretning_recorded": lambda: ("Underretning er foretaget" if event.get("made")
                                               else "Ingen underretning"),
        "case.follow_up_recorded": lambda: f"Næste opfølgning: {_dk_date(event.get('next_due'))}",
        "case.closed": lambda: str(event.get("reason") or ""),
    }
    actor = actor_name(event.get("actor")) if event.get("actor") else "Oprettet ud fra henvendelsen"
    return {"title": L.label(L.EVENT_TYPES, kind), "at": entry.get("at") or event.get("at"), "actor": actor,
            "detail": details.get(kind, lambda: "")(), "share": L.OUTBOX_STATUS.get(str(entry.get("status")), "")}


def _dk_date(value: Any) -> str:
    try:
        return date.fromisoformat(str(value)[:10]).strftime("%d-%m-%Y")
    except ValueError:
        return "–"


# --- the steps ---------------------------------------------------------------------------------

Builder = Callable[[FormData], tuple[dict[str, Any], dict[str, Any], Callable[[str], str]]]


async def _step(request: Request, case_id: UUID, form_name: str, path: str, build: Builder, done: str,
                anchor: str) -> Response:
    session = require_session(request)
    form = await checked_form(request, session)
    body, values, map_field = build(form)
    result = await web_of(request).services.call("assessment", "POST", f"/api/v1/cases/{case_id}{path}",
                                                 session.token, json=body)
    if result.ok:
        session.add_flash(done)
        return redirect(f"/sager/{case_id}#{anchor}")
    return await _failed(request, session, case_id, form_name, values, result, map_field)


async def _failed(request: Request, session: Session, case_id: UUID, form_name: str, values: dict,
                  result: ApiResult, map_field: Callable[[str], str] = lambda f: f) -> Response:
    failure = result.failure(map_field)
    share_refused = result.refused and isinstance(result.body, dict) and "decision_id" in result.body
    state = FormState(name=form_name, values=values, errors=failure.errors, reasons=failure.reasons,
                      share_refused=share_refused, problem=failure.problem)
    return await _case_page(request, session, case_id, state, status=failure.status)


def _text(form: FormData, name: str) -> str:
    return str(form.get(name) or "").strip()


def _plain(*names: str, optional: tuple[str, ...] = ()) -> Builder:
    def build(form: FormData):
        values = {n: _text(form, n) for n in (*names, *optional)}
        body = {n: values[n] for n in names} | {n: values[n] for n in optional if values[n]}
        return body, values, lambda f: f
    return build


def _no_fields(form: FormData):
    return {}, {}, lambda f: f


def _enrichment_form(form: FormData):
    values: dict[str, Any] = {n: _text(form, n) for n in ("authority", "necessity_reason", "deadline")}
    values["data_classes"] = [str(v) for v in form.getlist("data_classes")]
    body = {"authority": values["authority"] or None, "purpose": "prevention",
            "necessity_reason": values["necessity_reason"], "deadline": values["deadline"] or None,
            "data_classes": values["data_classes"]}
    return body, values, lambda f: "data_classes" if f.startswith("data_classes") else f


def _assessment_form(tool: dict) -> Builder:
    """The assessment tool's form: a tag and a note per dimension of the instrument, and the concern level."""
    def build(form: FormData):
        values: dict[str, Any] = {n: _text(form, n) for n in ("concern_level", "security_aspect", "social_aspect")}
        dimensions, order = [], []
        for dimension in tool["dimensions"]:
            tag, note = _text(form, f"dim.{dimension['id']}.tag"), _text(form, f"dim.{dimension['id']}.note")
            values[f"dim.{dimension['id']}.tag"], values[f"dim.{dimension['id']}.note"] = tag, note
            if tag or note:
                dimensions.append({"dimension": dimension["id"], "tag": tag or None, "note": note})
                order.append(dimension["id"])
        body = {"instrument_version": str(tool.get("version") or "1"), "dimensions": dimensions,
                "concern_level": values["concern_level"] or None, "security_aspect": values["security_aspect"],
                "social_aspect": values["social_aspect"]}

        def map_field(f: str) -> str:
            parts = f.split(".")
            if parts[0] == "dimensions" and len(parts) >= 3 and parts[1].isdigit() and int(parts[1]) < len(order):
                return f"dim.{order[int(parts[1])]}.{'tag' if parts[2] == 'tag' else 'note'}"
            return "dimensions" if parts[0] == "dimensions" else f
        return body, values, map_field
    return build


def _decision_form(form: FormData):
    values: dict[str, Any] = {n: _text(form, n) for n in ("effort_level", "follow_up_cadence")}
    values["measures"] = [str(v) for v in form.getlist("measures")]
    values["report_to_pet"] = form.get("report_to_pet") == "ja"
    body = {"effort_level": values["effort_level"] or None, "measures": values["measures"],
            "report_to_pet": values["report_to_pet"],
            "follow_up_cadence": values["follow_up_cadence"] or "quarterly"}
    return body, values, lambda f: "measures" if f.startswith("measures") else f


def _underretning_form(form: FormData):
    made = _text(form, "made")
    return {"made": made == "ja" if made in ("ja", "nej") else None}, {"made": made}, lambda f: f


def _close_form(form: FormData):
    values = {"close_reason": _text(form, "close_reason")}
    return {"reason": values["close_reason"]}, values, lambda f: "close_reason" if f == "reason" else f


@router.post("/sager/{case_id}/indledende-vurdering")
async def initial_assessment(request: Request, case_id: UUID) -> Response:
    return await _step(request, case_id, "initial", "/initial-assessment",
                       _plain("approach", "outcome", optional=("reason", "forwarded_to")),
                       "Den indledende vurdering er gemt.", "forloeb")


@router.post("/sager/{case_id}/berigelse")
async def request_enrichment(request: Request, case_id: UUID) -> Response:
    return await _step(request, case_id, "enrich", "/enrichment-requests", _enrichment_form,
                       "Anmodningen om berigelse er sendt til myndigheden.", "berigelse")


@router.post("/sager/{case_id}/vurdering")
async def assess(request: Request, case_id: UUID) -> Response:
    tool = await instrument(request) or {"dimensions": []}
    return await _step(request, case_id, "assess", "/assessments", _assessment_form(tool),
                       "Vurderingen er gemt.", "vurdering")


@router.post("/sager/{case_id}/beslutning")
async def decide(request: Request, case_id: UUID) -> Response:
    return await _step(request, case_id, "decide", "/decision", _decision_form, "Beslutningen er gemt.", "beslutning")


@router.post("/sager/{case_id}/beslutninger/{decision_id}/godkend")
async def approve(request: Request, case_id: UUID, decision_id: UUID) -> Response:
    return await _step(request, case_id, f"approve-{decision_id}", f"/decisions/{decision_id}/approve",
                       _no_fields, "Beslutningen er godkendt. Indsatsen er startet.", "beslutning")


@router.post("/sager/{case_id}/beslutninger/{decision_id}/pet")
async def pet_signoff(request: Request, case_id: UUID, decision_id: UUID) -> Response:
    return await _step(request, case_id, f"pet-{decision_id}", f"/decisions/{decision_id}/pet-signoff", _no_fields,
                       "Indberetningen til PET er godkendt af en anden person og sendes via lokalpolitiet.",
                       "beslutning")


@router.post("/sager/{case_id}/underretning")
async def underretning(request: Request, case_id: UUID) -> Response:
    return await _step(request, case_id, "underretning", "/underretning", _underretning_form,
                       "Det er registreret, om der er lavet en underretning.", "underretning")


@router.post("/sager/{case_id}/opfoelgning")
async def follow_up(request: Request, case_id: UUID) -> Response:
    return await _step(request, case_id, "follow_up", "/follow-ups", _plain("note", optional=("cadence",)),
                       "Opfølgningen er gemt.", "opfoelgning")


@router.post("/sager/{case_id}/luk")
async def close(request: Request, case_id: UUID) -> Response:
    return await _step(request, case_id, "close", "/close", _close_form, "Sagen er lukket.", "forloeb")
