"""The basic registration (grundregistrering): the list by month and open/closed, a lookup by id, one entry."""

from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, Response

from ..core import checked_form, redirect, refused, render, require_session, web_of
from ..labels import actor_name
from ..sessions import Session

router = APIRouter()


@router.get("/registrering", response_class=HTMLResponse)
async def registration_list(
    request: Request,
    maaned: Annotated[str, Query(pattern=r"^(\d{4}-(0[1-9]|1[0-2]))?$")] = "",
    aabne: Annotated[str, Query(pattern="^(ja)?$")] = "",
) -> Response:
    """The registrations, newest first, filtered by month and open/closed (codes only in the URL)."""
    session = require_session(request)
    return await _registrations(request, session, {"maaned": maaned, "aabne": aabne == "ja"}, {}, {})


async def _registrations(request: Request, session: Session, filters: dict, values: dict, errors: dict,
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
