"""The development identity provider as an OpenID Connect provider, served by the gateway at /dev-idp.

Only outside production. It lets ``make run`` and the browser test sign in through the same
authorization-code flow with PKCE that production runs against the municipality's provider: the
person picks a demo user here instead of typing a password. Keys and users are
``infohus_platform.devidp``'s, so the five services verify these tokens as they verify
``make token``'s.
"""

import hmac
import secrets
import time
from dataclasses import dataclass
from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import FileResponse, JSONResponse, Response

from infohus_platform.devidp import DEMO_USERS, ensure_keys, issue_token

from .core import problem_page, redirect, render, web_of
from .oidc import pkce_challenge
from .settings import WebSettings

router = APIRouter(prefix="/dev-idp", include_in_schema=False)

CODE_SECONDS = 60
ID_TOKEN_SECONDS = 300


@dataclass(frozen=True)
class Grant:
    user: str
    client_id: str
    redirect_uri: str
    nonce: str
    challenge: str
    expires_at: float


def _grants(request: Request) -> dict[str, Grant]:
    """Codes issued and not yet redeemed (``create_app`` gives each gateway its own)."""
    return request.app.state.dev_idp_grants


def _base(request: Request) -> str:
    return f"{web_of(request).settings.public_url}/dev-idp"  # never the request's Host header


def _refusal(request: Request, reason: str) -> Response:
    return problem_page(request, "Log-ind afvist", f"Udviklingens identitetsudbyder afviste anmodningen: {reason}",
                        status=400)


def _check(request: Request, client_id: str, redirect_uri: str, challenge_method: str) -> str | None:
    """Why the request cannot be served, or None."""
    if client_id != web_of(request).settings.oidc_client_id:
        return "ukendt klient."
    if redirect_uri != web_of(request).settings.redirect_url:  # the only client is this gateway
        return "ugyldig adresse at sende svaret til."
    if challenge_method != "S256":
        return "PKCE med S256 er påkrævet."
    return None


@router.get("/.well-known/openid-configuration")
async def discovery(request: Request) -> dict:
    base = _base(request)
    return {
        "issuer": web_of(request).settings.oidc_issuer, "authorization_endpoint": f"{base}/authorize",
        "token_endpoint": f"{base}/token",
        "jwks_uri": f"{base}/jwks.json", "response_types_supported": ["code"],
        "subject_types_supported": ["public"], "id_token_signing_alg_values_supported": ["RS256"],
        "code_challenge_methods_supported": ["S256"], "scopes_supported": ["openid", "profile"],
        "token_endpoint_auth_methods_supported": ["none", "client_secret_basic"],
    }


@router.get("/jwks.json")
async def jwks(request: Request) -> Response:
    return FileResponse(ensure_keys(web_of(request).settings.infohus_dev_idp_dir), media_type="application/json")


@router.get("/authorize")
async def authorize_page(
    request: Request,
    client_id: str = "", redirect_uri: str = "", state: str = "", nonce: str = "",
    code_challenge: str = "", code_challenge_method: str = "",
    response_type: Annotated[str, Query()] = "",
) -> Response:
    reason = _check(request, client_id, redirect_uri, code_challenge_method)
    if reason is None and (response_type != "code" or not state or not nonce or not code_challenge):
        reason = "der mangler oplysninger i anmodningen."
    if reason:
        return _refusal(request, reason)
    users = [{"key": key, "name": user["name"], "roles": user["roles"], "authority": user.get("authority"),
              "municipality_code": user.get("municipality_code", "820")} for key, user in DEMO_USERS.items()]
    return render(request, "devidp.html", title="Vælg demobruger", users=users,
                  grant={"client_id": client_id, "redirect_uri": redirect_uri, "state": state, "nonce": nonce,
                         "code_challenge": code_challenge, "code_challenge_method": code_challenge_method})


@router.post("/authorize")
async def authorize(
    request: Request,
    client_id: Annotated[str, Form()], redirect_uri: Annotated[str, Form()], state: Annotated[str, Form()],
    nonce: Annotated[str, Form()], code_challenge: Annotated[str, Form()],
    code_challenge_method: Annotated[str, Form()], user: Annotated[str, Form()] = "",
) -> Response:
    reason = _check(request, client_id, redirect_uri, code_challenge_method)
    if reason:
        return _refusal(request, reason)
    if user not in DEMO_USERS:
        return redirect(f"{redirect_uri}?{urlencode({'error': 'access_denied', 'state': state})}")
    now, grants = time.time(), _grants(request)
    for code in [c for c, g in grants.items() if g.expires_at < now]:
        grants.pop(code, None)
    code = secrets.token_urlsafe(32)
    grants[code] = Grant(user, client_id, redirect_uri, nonce, code_challenge, now + CODE_SECONDS)
    return redirect(f"{redirect_uri}?{urlencode({'code': code, 'state': state})}")


@router.post("/token")
async def token(
    request: Request,
    grant_type: Annotated[str, Form()], code: Annotated[str, Form()], redirect_uri: Annotated[str, Form()],
    client_id: Annotated[str, Form()], code_verifier: Annotated[str, Form()],
) -> Response:
    grant = _grants(request).pop(code, None)  # a code is used once
    if (grant_type != "authorization_code" or grant is None or grant.expires_at < time.time()
            or grant.client_id != client_id or grant.redirect_uri != redirect_uri
            or not hmac.compare_digest(pkce_challenge(code_verifier), grant.challenge)):
        return JSONResponse({"error": "invalid_grant"}, status_code=400)
    settings = web_of(request).settings
    keys, issuer, claims = settings.infohus_dev_idp_dir, settings.oidc_issuer, _own_org_claims(settings)
    return JSONResponse({
        "access_token": issue_token(grant.user, keys, issuer=issuer, **claims), "token_type": "Bearer",
        "expires_in": 8 * 3600,
        "id_token": issue_token(grant.user, keys, ttl_seconds=ID_TOKEN_SECONDS, issuer=issuer, aud=client_id,
                                nonce=grant.nonce, **claims),
    }, headers={"Cache-Control": "no-store"})


def _own_org_claims(settings: WebSettings) -> dict[str, Any]:
    """In a district, each organisation's development identity provider signs in its own people only: the demo
    user becomes a member of this instance's organisation (stand-alone: the demo users as they are)."""
    if settings.district() is None:
        return {}
    org = settings.infohus_org
    claims = {"org": org}
    if org.startswith("kommune-"):
        claims["municipality_code"] = org.removeprefix("kommune-")
    return claims
