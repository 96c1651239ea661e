"""Sign-in through an OpenID Connect provider: the authorization-code flow with PKCE (RFC 7636).

The gateway is the provider's client. It sends the browser to the provider with a one-time
``state`` (bound to the browser by a cookie), a ``nonce`` and a PKCE challenge, exchanges the code
it gets back for tokens over a back channel, and verifies the ID token (signature from the
provider's JWKS, issuer, audience = our client id, expiry, nonce). The access token — the JWT the
five services verify on every call — stays in the server-side session; the browser never sees it.

Production points ``OIDC_DISCOVERY_URL`` at the municipality's provider. Elsewhere the gateway is
its own provider: the development identity provider at ``/dev-idp`` (``devidp.py``) goes through
exactly this code, over HTTP.
"""

import base64
import hashlib
import hmac
import secrets
import time
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

import httpx
import jwt

from .settings import WebSettings

PENDING_SECONDS = 600
METADATA_SECONDS = 300


class SignInFailed(Exception):
    """Sign-in could not be completed. The message is Danish and safe to show; it holds no token."""


@dataclass(frozen=True)
class PendingSignIn:
    state: str
    nonce: str
    verifier: str
    redirect_uri: str
    expires_at: float
    client: str = ""  # the client address that started it (bounds each client's share, never logged)


def pkce_challenge(verifier: str) -> str:
    digest = hashlib.sha256(verifier.encode("ascii")).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")


class OidcClient:
    def __init__(self, settings: WebSettings, http: httpx.AsyncClient | None = None) -> None:
        self.settings = settings
        self.http = http or httpx.AsyncClient(timeout=settings.api_timeout_seconds)
        self._pending: dict[str, PendingSignIn] = {}
        self._by_client: dict[str, dict[str, None]] = {}  # client -> its pending states, oldest first
        self._metadata: tuple[float, dict[str, Any]] | None = None
        self._keys: dict[str | None, Any] = {}  # by key id; a provider's only key may have none

    @property
    def configured(self) -> bool:
        return self.settings.discovery_url is not None

    async def close(self) -> None:
        await self.http.aclose()

    # -- the provider ---------------------------------------------------------------------------

    async def _get_json(self, url: str) -> dict[str, Any]:
        try:
            response = await self.http.get(url)
            response.raise_for_status()
            return response.json()
        except (httpx.HTTPError, ValueError) as exc:
            raise SignInFailed("Identitetsudbyderen svarer ikke lige nu. Prøv igen om lidt.") from exc

    async def metadata(self) -> dict[str, Any]:
        if self._metadata is None or self._metadata[0] < time.monotonic():
            url = self.settings.discovery_url
            if url is None:
                raise SignInFailed("Log-ind er ikke sat op for denne installation. Kontakt driften.")
            document = await self._get_json(url)
            required = ("issuer", "authorization_endpoint", "token_endpoint", "jwks_uri")
            if any(k not in document for k in required):
                raise SignInFailed("Identitetsudbyderens opsætning er ufuldstændig. Kontakt driften.")
            self._metadata = (time.monotonic() + METADATA_SECONDS, document)
        return self._metadata[1]

    async def _signing_key(self, token: str) -> Any:
        kid = jwt.get_unverified_header(token).get("kid")
        if kid not in self._keys:  # a provider rotates its keys: fetch again when a new kid appears
            jwks = await self._get_json((await self.metadata())["jwks_uri"])
            self._keys = {key.key_id: key.key for key in jwt.PyJWKSet.from_dict(jwks).keys}
        if kid not in self._keys:
            raise jwt.InvalidTokenError("unknown key id")
        return self._keys[kid]

    # -- the flow -------------------------------------------------------------------------------

    async def begin(self, redirect_uri: str, client: str = "") -> tuple[PendingSignIn, str]:
        """A new pending sign-in and the provider URL to send the browser to.

        Never refused for lack of room: a client past its share loses its own oldest pending sign-in,
        and when all are taken the client with the most gives way, so a flood cannot lock others out.
        """
        provider = await self.metadata()
        now = time.time()
        for state in [k for k, p in self._pending.items() if p.expires_at <= now]:
            self._forget(state)
        mine = self._by_client.get(client, {})
        while len(mine) >= self.settings.sign_in_pending_per_client:
            self._forget(next(iter(mine)))
        while len(self._pending) >= self.settings.sign_in_pending_max:
            heaviest = max(self._by_client.values(), key=len)
            self._forget(next(iter(heaviest)))
        pending = PendingSignIn(secrets.token_urlsafe(32), secrets.token_urlsafe(32), secrets.token_urlsafe(48),
                                redirect_uri, now + PENDING_SECONDS, client)
        self._pending[pending.state] = pending
        self._by_client.setdefault(client, {})[pending.state] = None
        query = urlencode({
            "response_type": "code", "client_id": self.settings.oidc_client_id, "redirect_uri": redirect_uri,
            "scope": self.settings.oidc_scope, "state": pending.state, "nonce": pending.nonce,
            "code_challenge": pkce_challenge(pending.verifier), "code_challenge_method": "S256",
        })
        return pending, f"{provider['authorization_endpoint']}?{query}"

    def take(self, state: str | None, browser_state: str | None) -> PendingSignIn:
        """The pending sign-in this callback answers: once, in time, from the browser that started it."""
        pending = self._forget(state or "")
        if (pending is None or pending.expires_at < time.time() or not browser_state
                or not hmac.compare_digest(browser_state, pending.state)):
            raise SignInFailed("Log-ind kunne ikke gennemføres, fordi anmodningen var udløbet eller kom fra "
                               "en anden browser. Prøv igen.")
        return pending

    def _forget(self, state: str) -> PendingSignIn | None:
        pending = self._pending.pop(state, None)
        if pending is not None:
            states = self._by_client.get(pending.client, {})
            states.pop(state, None)
            if not states:
                self._by_client.pop(pending.client, None)
        return pending

    @property
    def pending_count(self) -> int:
        return len(self._pending)

    async def finish(self, pending: PendingSignIn, code: str) -> str:
        """Exchange the code for tokens, verify the ID token, and return the access token."""
        provider = await self.metadata()
        form = {"grant_type": "authorization_code", "code": code, "redirect_uri": pending.redirect_uri,
                "client_id": self.settings.oidc_client_id, "code_verifier": pending.verifier}
        secret = self.settings.oidc_client_secret
        auth = (httpx.BasicAuth(self.settings.oidc_client_id, secret.get_secret_value()) if secret
                else httpx.USE_CLIENT_DEFAULT)  # a public client (PKCE only): no client authentication
        try:
            response = await self.http.post(provider["token_endpoint"], data=form, auth=auth)
        except httpx.HTTPError as exc:
            raise SignInFailed("Identitetsudbyderen svarer ikke lige nu. Prøv igen om lidt.") from exc
        if response.status_code != 200:
            raise SignInFailed("Identitetsudbyderen afviste log-ind. Prøv igen.")
        try:
            tokens = response.json()
            access_token, id_token = tokens["access_token"], tokens["id_token"]
            key = await self._signing_key(id_token)
            claims = jwt.decode(id_token, key, algorithms=["RS256"], audience=self.settings.oidc_client_id,
                                issuer=provider["issuer"], options={"require": ["exp", "iat", "sub", "nonce"]})
            if not hmac.compare_digest(str(claims["nonce"]), pending.nonce):
                raise jwt.InvalidTokenError("nonce")
            if jwt.decode(access_token, options={"verify_signature": False}).get("sub") != claims["sub"]:
                raise jwt.InvalidTokenError("the access token names another user")
        except (ValueError, KeyError, TypeError, jwt.PyJWTError) as exc:
            raise SignInFailed("Identitetsudbyderens svar kunne ikke godkendes. Prøv igen, eller kontakt "
                               "driften, hvis det sker igen.") from exc
        return access_token
