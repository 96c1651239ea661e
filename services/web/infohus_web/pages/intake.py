"""Taking a concern by phone: one fast form with the sources' fields, posted to intake's API."""

import uuid
from typing import Any
from uuid import UUID

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, JSONResponse, Response
from starlette.datastructures import FormData

from infohus_contracts.base.municipalities import municipality_name, police_districts

from .. import labels
from ..client import ApiResult
from ..core import checked_form, local_time_iso, redirect, refused, render, require_session, web_of
from ..sessions import Session

router = APIRouter()

PERSON_FIELDS = ("name", "cpr", "birth_date", "age", "area", "nationality", "family_network", "school_work")
REPORTER_FIELDS = ("name", "organisation", "role", "phone", "email")
FORM_FIELDS = ({"municipality_code", "channel", "source_category", "received_at", "description", "concern_signs",
                "anonymous", "flags"}
               | {f"person.{f}" for f in PERSON_FIELDS} | {f"reporter.{f}" for f in REPORTER_FIELDS})


def municipalities_for(session: Session) -> list[tuple[str, str]]:
    """The municipalities the user takes concerns for: their own, or a police coordinator's district."""
    district = session.user.get("police_district")
    if "police_coordinator" in session.roles and district:
        codes = police_districts().get(district, {}).get("municipalities", [])
    else:
        codes = [session.user.get("municipality_code") or "820"]
    return [(code, municipality_name(code) or code) for code in codes]


def blank_values(session: Session) -> dict[str, Any]:
    return {"municipality_code": municipalities_for(session)[0][0], "channel": "phone", "concern_signs": [],
            "flags": [], "form_id": str(uuid.uuid4())}


@router.get("/henvendelser/ny", response_class=HTMLResponse)
async def new_concern(request: Request) -> Response:
    session = require_session(request)
    return _form(request, session, blank_values(session), {})


def _form(request: Request, session: Session, values: dict, errors: dict, status: int = 200,
          reasons: list[str] | None = None, problem: str | None = None) -> Response:
    return render(request, "intake.html", title="Ny bekymringshenvendelse", status=status, values=values,
                  errors=errors, municipalities=municipalities_for(session), reasons=reasons, problem=problem)


def values_of(form: FormData) -> dict[str, Any]:
    values: dict[str, Any] = {key: str(form.get(key) or "").strip() for key in FORM_FIELDS
                              if key not in ("concern_signs", "flags")}
    values["concern_signs"] = [str(v) for v in form.getlist("concern_signs")]
    values["flags"] = [str(v) for v in form.getlist("flags")]
    values["anonymous"] = form.get("anonymous") == "ja"
    values["form_id"] = str(form.get("form_id") or uuid.uuid4())
    return values


def body_of(values: dict[str, Any]) -> dict[str, Any]:
    """The API's request body. Empty fields are left out; what the user typed is sent as typed, so the
    service's own validation (and its Danish translation here) is the one truth about what is valid."""
    body: dict[str, Any] = {
        "municipality_code": values["municipality_code"], "channel": values["channel"] or None,
        "source_category": values["source_category"] or None, "anonymous": values["anonymous"],
        "description": values["description"], "concern_signs": values["concern_signs"],
        "flags": {flag: flag in values["flags"] for flag in labels.FLAGS},
        "person": {f: values[f"person.{f}"] for f in PERSON_FIELDS if values.get(f"person.{f}")},
    }
    if values.get("received_at"):
        body["received_at"] = local_time_iso(values["received_at"])
    if "name" not in body["person"]:
        body["person"]["name"] = ""
    if not values["anonymous"]:
        reporter = {f: values[f"reporter.{f}"] for f in REPORTER_FIELDS if values.get(f"reporter.{f}")}
        if reporter:
            body["reporter"] = reporter
    return body


def _error_field(field: str) -> str:
    if field in FORM_FIELDS:
        return field
    if field.startswith("concern_signs"):
        return "concern_signs"
    if field.startswith("flags"):
        return "flags"
    if field == "person":
        return "person.birth_date"  # the CPR/birth-date consistency check
    if field.startswith("reporter") or field == "":
        return "reporter.name" if field.startswith("reporter") else ""
    return field


@router.post("/henvendelser/ny")
async def submit_concern(request: Request) -> Response:
    session = require_session(request)
    form = await checked_form(request, session)
    values = values_of(form)
    # The form's own id is the Idempotency-Key: pressing "Send" twice registers the concern once.
    result = await web_of(request).services.call(
        "intake", "POST", "/api/v1/concerns", session.token, json=body_of(values),
        headers={"Idempotency-Key": f"web-{values['form_id']}"})
    if result.status == 202:
        session.add_flash("Henvendelsen er modtaget. Sagen oprettes nu i sagsbehandlingen.")
        return redirect(f"/henvendelser/{result.body['concern_id']}")
    failure = result.failure(_error_field)
    return _form(request, session, values, failure.errors, status=failure.status, reasons=failure.reasons,
                 problem=failure.problem)


@router.get("/henvendelser/{concern_id}", response_class=HTMLResponse)
async def received(request: Request, concern_id: UUID) -> Response:
    """The receipt: the case is opened by assessment from the event on Kafka, usually within a second."""
    result = await _case_of_concern(request, concern_id)
    if result.ok:
        return redirect(f"/sager/{result.body['case_id']}")
    if result.refused:
        return refused(request, result, what="sagen til denne henvendelse")
    return render(request, "received.html", title="Henvendelsen er modtaget", concern_id=str(concern_id),
                  waiting=result.status == 404, problem=None if result.status == 404 else result.problem())


@router.get("/henvendelser/{concern_id}/status")
async def received_status(request: Request, concern_id: UUID) -> Response:
    """For the receipt page's small script: where the case is, once it exists (ids only)."""
    result = await _case_of_concern(request, concern_id)
    if result.ok:
        return JSONResponse({"case_url": f"/sager/{result.body['case_id']}"})
    return JSONResponse({"case_url": None}, status_code=404 if result.status == 404 else result.status)


async def _case_of_concern(request: Request, concern_id: UUID) -> ApiResult:
    """The case assessment opened for the concern; 404 until it has."""
    session = require_session(request)
    return await web_of(request).services.call("assessment", "GET", f"/api/v1/cases/by-concern/{concern_id}",
                                               session.token)
