"""Enrichment requests (forespørgsler): the authorities' list of what the infohus asked them, and their answers."""

from uuid import UUID

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response

from ..core import checked_form, redirect, refused, render, require_session, web_of
from ..labels import actor_name
from ..sessions import Session

router = APIRouter()


@router.get("/forespoergsler", response_class=HTMLResponse)
async def requests_page(request: Request) -> Response:
    session = require_session(request)
    return await _requests(request, session, {})


async def _requests(request: Request, session: Session, state: dict, status: int = 200) -> Response:
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
    failure = result.failure()
    state = {"request_id": str(request_id), "answer": text, "errors": failure.errors, "reasons": failure.reasons,
             "problem": failure.problem}
    return await _requests(request, session, state, status=failure.status)
