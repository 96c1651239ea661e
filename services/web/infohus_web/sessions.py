"""Server-side sessions: the browser holds a random id (HttpOnly, SameSite=Strict); the token stays here.

One process keeps its sessions (and its pending sign-ins, ``oidc.py``) in memory, so a restart signs
everybody out and the gateway runs as one replica; more replicas need a shared store behind
``SessionStore`` and ``OidcClient``'s pending sign-ins.
"""

import secrets
import time
from dataclasses import dataclass, field
from typing import Any

import jwt

COOKIE = "infohus_session"
MAX_SESSIONS = 10_000


@dataclass
class Session:
    session_id: str
    token: str
    user: dict[str, Any]
    expires_at: float
    csrf: str = field(default_factory=lambda: secrets.token_urlsafe(32))
    flash: list[tuple[str, str]] = field(default_factory=list)
    # Form state kept between a POST and the page it redirects to (no personal data in URLs).
    stash: dict[str, Any] = field(default_factory=dict)

    @property
    def roles(self) -> list[str]:
        return list(self.user.get("roles") or [])

    def has_role(self, *roles: str) -> bool:
        return any(role in self.roles for role in roles)

    def add_flash(self, message: str, kind: str = "ok") -> None:
        self.flash.append((kind, message))

    def take_flash(self) -> list[tuple[str, str]]:
        messages, self.flash = self.flash, []
        return messages


def user_from_token(token: str) -> dict[str, Any]:
    """Who the token names, for display only: the services verify the token and OPA decides access."""
    claims = jwt.decode(token, options={"verify_signature": False})
    return {
        "user_id": claims.get("sub"), "name": claims.get("name") or claims.get("sub"),
        "roles": [r for r in claims.get("roles") or [] if isinstance(r, str)],
        "municipality_code": claims.get("municipality_code"), "police_district": claims.get("police_district"),
        "authority": claims.get("authority"), "org": claims.get("org"), "expires_at": claims.get("exp"),
    }


class SessionStore:
    def __init__(self, ttl_seconds: int) -> None:
        self.ttl = ttl_seconds
        self._sessions: dict[str, Session] = {}

    def create(self, token: str) -> Session:
        self._prune()
        user = user_from_token(token)
        expires = min(time.time() + self.ttl, float(user.get("expires_at") or time.time() + self.ttl))
        session = Session(secrets.token_urlsafe(32), token, user, expires)
        self._sessions[session.session_id] = session
        return session

    def get(self, session_id: str | None) -> Session | None:
        if not session_id:
            return None
        session = self._sessions.get(session_id)
        if session is None:
            return None
        if session.expires_at < time.time():
            self._sessions.pop(session_id, None)
            return None
        return session

    def drop(self, session_id: str | None) -> None:
        if session_id:
            self._sessions.pop(session_id, None)

    def _prune(self) -> None:
        now = time.time()
        for key in [k for k, s in self._sessions.items() if s.expires_at < now]:
            del self._sessions[key]
        while len(self._sessions) >= MAX_SESSIONS:
            oldest = min(self._sessions.values(), key=lambda s: s.expires_at)
            del self._sessions[oldest.session_id]
