"""Sign-in and sign-out.

Locally (INFOHUS_ENV != production) the sign-in page lists the development identity provider's
demo users; choosing one issues their token. In production the page says that sign-in goes
through the municipality's OIDC identity provider: the authorization-code flow is a follow-up.
"""

from typing import Literal

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response

from infohus_platform.devidp import DEMO_USERS, issue_token

from .core import checked_form, home_for, redirect, render, session_of, web_of
from .sessions import COOKIE

router = APIRouter()

MESSAGES = {
    "udloebet": "Du er blevet logget ud, fordi din session er udløbet. Log ind igen.",
    "logget-ud": "Du er logget ud.",
}


@router.get("/log-ind", response_class=HTMLResponse)
async def login_page(request: Request, besked: Literal["udloebet", "logget-ud"] | None = None) -> Response:
    session_of(request)
    web = web_of(request)
    users = []
    if web.settings.dev_login:
        users = [{"key": key, "name": user["name"], "roles": user["roles"], "authority": user.get("authority"),
                  "municipality_code": user.get("municipality_code", "820")}
                 for key, user in DEMO_USERS.items()]
    return render(request, "login.html", title="Log ind", users=users,
                  message=MESSAGES.get(besked or ""))


@router.post("/log-ind")
async def login(request: Request) -> Response:
    web = web_of(request)
    if not web.settings.dev_login:
        return render(request, "login.html", title="Log ind", status=404, users=[], message=None)
    form = await request.form()
    user = str(form.get("user") or "")
    if user not in DEMO_USERS:
        return render(request, "login.html", title="Log ind", status=422, users=[],
                      message="Vælg en af brugerne på listen.")
    web.sessions.drop(request.cookies.get(COOKIE))
    session = web.sessions.create(issue_token(user, web.settings.infohus_dev_idp_dir))
    session.add_flash(f"Du er logget ind som {session.user['name']}.")
    response = redirect(home_for(session))
    response.set_cookie(COOKIE, session.session_id, httponly=True, samesite="strict", secure=web.settings.secure_cookie,
                        path="/", max_age=int(web.settings.session_ttl_seconds))
    return response


@router.post("/log-ud")
async def logout(request: Request) -> Response:
    session = session_of(request)
    if session is not None:
        await checked_form(request, session)
        web_of(request).sessions.drop(session.session_id)
    response = redirect("/log-ind?besked=logget-ud")
    response.delete_cookie(COOKIE, path="/")
    return response


@router.get("/", response_class=HTMLResponse)
async def home(request: Request) -> Response:
    session = session_of(request)
    if session is None:
        return redirect("/log-ind")
    return render(request, "home.html", title="Forside")
