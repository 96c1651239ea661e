"""The start page: the sections the signed-in role's work needs (the menu, ``core.NAV``)."""

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response

from ..core import redirect, render, session_of

router = APIRouter()


@router.get("/", response_class=HTMLResponse)
async def home(request: Request) -> Response:
    session = session_of(request)
    if session is None:
        return redirect("/log-ind")
    return render(request, "home.html", title="Forside")
