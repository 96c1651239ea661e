"""Sign-in and sign-out: the OpenID Connect authorization-code flow (``oidc.py``).

``/log-ind`` offers one button; ``/log-ind/start`` sends the browser to the identity provider
(the municipality's in production, the gateway's own ``/dev-idp`` elsewhere); the provider sends
it back to ``/log-ind/retur`` with a code, which becomes a server-side session.
"""

from typing import Literal

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response

from infohus_platform.limits import client_address

from .core import checked_form, home_for, problem_page, redirect, render, session_of, web_of
from .oidc import SignInFailed
from .sessions import COOKIE

router = APIRouter()

SIGN_IN_COOKIE = "infohus_sign_in"  # binds a pending sign-in to the browser that started it

MESSAGES = {
    "udloebet": "Du er blevet logget ud, fordi din session er udløbet. Log ind igen.",
    "logget-ud": "Du er logget ud.",
}


def _login(request: Request, message: str | None, *, problem: bool = False, status: int = 200) -> Response:
    web = web_of(request)
    return render(request, "login.html", title="Log ind", status=status, message=message, problem=problem,
                  configured=web.oidc.configured, dev_provider=web.settings.oidc_discovery_url is None)


def _failed(request: Request, message: str, status: int) -> Response:
    response = _login(request, message, problem=True, status=status)
    response.delete_cookie(SIGN_IN_COOKIE, path="/log-ind")
    return response


@router.get("/log-ind", response_class=HTMLResponse)
async def login_page(request: Request, besked: Literal["udloebet", "logget-ud"] | None = None) -> Response:
    session_of(request)
    if not web_of(request).oidc.configured:
        return _login(request, "Log-ind er ikke sat op for denne installation (OIDC_DISCOVERY_URL). Kontakt driften.",
                      problem=True)
    return _login(request, MESSAGES.get(besked or ""))


@router.get("/log-ind/start")
async def start(request: Request) -> Response:
    web = web_of(request)
    client = client_address(request.scope, web.settings.trusted_proxy_header)
    if not web.sign_in_starts.allow(client):
        session_of(request)
        limited = problem_page(request, "For mange forsøg på at logge ind",
                               "Der er startet for mange log-ind fra din adresse på kort tid. Vent et minut, "
                               "og prøv så igen.", status=429)
        limited.headers["retry-after"] = str(web.sign_in_starts.retry_after(client))
        return limited
    try:
        pending, url = await web.oidc.begin(web.settings.redirect_url, client)
    except SignInFailed as exc:
        return _failed(request, str(exc), 503)
    response = redirect(url)
    # Lax, not Strict: the provider's redirect back here is a cross-site navigation.
    response.set_cookie(SIGN_IN_COOKIE, pending.state, httponly=True, samesite="lax",
                        secure=web.settings.secure_cookie, path="/log-ind", max_age=600)
    return response


@router.get("/log-ind/retur", name="sign_in_callback")
async def callback(request: Request, code: str | None = None, state: str | None = None,
                   error: str | None = None) -> Response:
    web = web_of(request)
    try:
        pending = web.oidc.take(state, request.cookies.get(SIGN_IN_COOKIE))
        if error or not code:
            raise SignInFailed("Log-ind blev afbrudt hos identitetsudbyderen. Prøv igen."
                               if error == "access_denied" else "Identitetsudbyderen afviste log-ind. Prøv igen.")
        token = await web.oidc.finish(pending, code)
    except SignInFailed as exc:
        return _failed(request, str(exc), 400)
    web.sessions.drop(request.cookies.get(COOKIE))
    session = web.sessions.create(token)
    session.add_flash(f"Du er logget ind som {session.user['name']}.")
    target = home_for(session)
    # A page, not a redirect: the browser then follows a same-site link, so it sends the Strict
    # session cookie even though this request began at the provider's site.
    response = render(request, "signed_in.html", title="Du er logget ind", target=target)
    response.set_cookie(COOKIE, session.session_id, httponly=True, samesite="strict", secure=web.settings.secure_cookie,
                        path="/", max_age=int(web.settings.session_ttl_seconds))
    response.delete_cookie(SIGN_IN_COOKIE, path="/log-ind")
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
