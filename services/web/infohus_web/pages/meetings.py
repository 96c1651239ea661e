"""Meetings: the list of upcoming and past meetings, convening one (agenda from the open cases), a summons' link."""

from datetime import datetime
from typing import Any
from uuid import UUID

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response

from ..core import (
    LOCAL_TIME,
    checked_form,
    local_time_iso,
    parse_datetime,
    redirect,
    refused,
    render,
    require_session,
    web_of,
)
from ..labels import actor_name
from ..sessions import Session

router = APIRouter()


@router.get("/moeder", response_class=HTMLResponse)
async def meetings_page(request: Request) -> Response:
    session = require_session(request)
    return await _meetings(request, session, {}, {})


async def _meetings(request: Request, session: Session, values: dict, errors: dict, status: int = 200,
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
        body["scheduled_for"] = local_time_iso(values["scheduled_for"])
    result = await web_of(request).services.call("assessment", "POST", "/api/v1/meetings", session.token, json=body)
    if result.ok:
        session.add_flash("Mødet er indkaldt med dagsorden ud fra de åbne sager.")
        return redirect("/moeder")
    failure = result.failure()
    return await _meetings(request, session, values, failure.errors, status=failure.status, reasons=failure.reasons,
                           problem=failure.problem)

