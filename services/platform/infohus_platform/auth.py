"""Who is asking, and may they: OIDC bearer tokens (RS256, JWKS) and access decisions from OPA.

Routes take a ``GuardDep`` and call ``await guard.require(action, resource)``: the decision is
OPA's (``infohus/access/decision``), a refusal is a 403 carrying the policy's reasons (``AccessRefused``), and an
allowed access to personal data is written to the processing log before anything is returned.
"""

import json
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any

import jwt
from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from pydantic import BaseModel, Field
from sqlmodel.ext.asyncio.session import AsyncSession

from infohus_contracts.base.municipalities import police_district_of, police_districts
from infohus_platform.audit import processing_log
from infohus_platform.errors import AccessRefused, PolicyUnavailable, Unauthenticated
from infohus_platform.policy import AccessDecision
from infohus_platform.runtime import Runtime, runtime_of

__all__ = ["AccessDecision", "Guard", "GuardDep", "Principal", "PrincipalDep", "TokenVerifier", "resource",
           "visible_municipalities"]
_bearer = HTTPBearer(auto_error=False, description="OIDC access token (JWT, RS256)")


class Principal(BaseModel):
    """The signed-in user (or partner system), from the token's claims."""

    user_id: str
    name: str = ""
    roles: list[str] = Field(default_factory=list)
    org: str | None = None
    municipality_code: str | None = None
    police_district: str | None = None
    authority: str | None = None

    def as_policy_subject(self) -> dict[str, Any]:
        # A display name decides nothing; left out, it is not in OPA's decision log either.
        return self.model_dump(exclude={"name"})


class TokenVerifier:
    """Verifies RS256 tokens against a JWKS (an https URL in production, a file in development)."""

    def __init__(self, jwks_url: str, issuer: str, audience: str) -> None:
        self.issuer = issuer
        self.audience = audience
        self._file: Path | None = None
        self._client: jwt.PyJWKClient | None = None
        if jwks_url.startswith("file://") or jwks_url.startswith("/"):
            self._file = Path(jwks_url.removeprefix("file://"))
        else:
            self._client = jwt.PyJWKClient(jwks_url, cache_keys=True, lifespan=300)

    def _key(self, token: str) -> Any:
        if self._client is not None:
            return self._client.get_signing_key_from_jwt(token).key
        assert self._file is not None
        keys = jwt.PyJWKSet.from_dict(json.loads(self._file.read_text()))
        kid = jwt.get_unverified_header(token).get("kid")
        for key in keys.keys:
            if key.key_id == kid:
                return key.key
        raise jwt.InvalidTokenError("unknown key id")

    def verify(self, token: str) -> Principal:
        claims = jwt.decode(
            token, self._key(token), algorithms=["RS256"], audience=self.audience, issuer=self.issuer,
            options={"require": ["exp", "iss", "aud", "sub"]},
        )
        roles = claims.get("roles") or []
        return Principal(
            user_id=claims["sub"], name=claims.get("name", ""), roles=[r for r in roles if isinstance(r, str)],
            org=claims.get("org"), municipality_code=claims.get("municipality_code"),
            police_district=claims.get("police_district"), authority=claims.get("authority"),
        )


def principal_of(
    request: Request, credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)]
) -> Principal:
    if credentials is None or credentials.scheme.lower() != "bearer":
        raise Unauthenticated("a bearer token is required")
    verifier: TokenVerifier = request.app.state.token_verifier
    try:
        return verifier.verify(credentials.credentials)
    except (jwt.PyJWTError, ValueError, OSError) as exc:
        raise Unauthenticated(f"invalid token: {type(exc).__name__}", 'Bearer error="invalid_token"') from None


PrincipalDep = Annotated[Principal, Depends(principal_of)]


@dataclass
class Guard:
    runtime: Runtime
    principal: Principal

    async def decide(self, action: str, resource: dict[str, Any] | None = None) -> AccessDecision:
        # Everything this instance holds belongs to its controller: roles scoped to a controller (compliance,
        # operations) act only for their own, even when a shared identity provider vouches for others.
        scoped = {"org": self.runtime.settings.infohus_org} | (resource or {})
        input_data = {"subject": self.principal.as_policy_subject(), "action": action, "resource": scoped}
        try:
            return await self.runtime.policy.access(input_data)
        except PolicyUnavailable as exc:
            raise PolicyUnavailable(str(exc), "the access policy cannot be asked right now; nothing was done") from None

    async def require(
        self,
        action: str,
        resource: dict[str, Any] | None = None,
        *,
        subject_ref: str | None = None,
        data_classes: list[str] | None = None,
        log_now: bool = True,
    ) -> AccessDecision:
        """Allow or raise 403 with the policy's reasons.

        A refusal is always logged. An allowed access to personal data is logged here, or, with
        ``log_now=False``, by the caller through ``record`` in the same transaction as its write.
        """
        decision = await self.decide(action, resource)
        if not decision.allow or (decision.log_access and log_now):
            async with self.runtime.db.session() as session:
                await self.record(session, decision, action, subjects=[subject_ref], data_classes=data_classes)
                await session.commit()
        if not decision.allow:
            raise AccessRefused(decision.reasons)
        return decision

    async def record(
        self,
        session: AsyncSession,
        decision: AccessDecision,
        action: str,
        *,
        subjects: Sequence[str | None] = (None,),
        data_classes: list[str] | None = None,
    ) -> None:
        """The access in the processing log: one entry per subject (a list or an export shows several)."""
        if (decision.allow and not decision.log_access) or not subjects:
            return
        await processing_log.record(
            session, subjects=subjects, actor=self.principal.user_id, actor_roles=self.principal.roles,
            action=action, data_classes=data_classes or [], purpose=decision.purpose,
            decision_id=decision.decision_id, outcome="allowed" if decision.allow else "denied",
        )

    # -- decide, then look up: an unknown id and a forbidden one answer alike --------------------------

    async def require_in_own_scope(self, action: str, kind: str, *, subject_ref: str | None = None) -> None:
        """Before any lookup: may the caller do ``action`` at all, in their own municipality (a police
        coordinator's: one of the district)? Refused alike for every id; the refusal is logged against the
        id asked for, whether or not it exists."""
        scope = visible_municipalities(self.principal)
        own = resource(kind, scope[0] if scope else self.principal.municipality_code)
        await self.require(action, own, subject_ref=subject_ref, log_now=False)

    async def refuse_unseen(self, action: str, found: dict[str, Any], *, subject_ref: str,
                            data_classes: list[str], not_found: Exception) -> None:
        """A found thing outside the municipalities the caller may see: ask the policy, and answer a refusal
        as ``not_found``, exactly like an unknown id (logged as refused all the same)."""
        if found.get("municipality_code") in visible_municipalities(self.principal):
            return
        decision = await self.decide(action, found)
        if not decision.allow:
            async with self.runtime.db.session() as session:
                await self.record(session, decision, action, subjects=[subject_ref], data_classes=data_classes)
                await session.commit()
            raise not_found

    async def require_found(self, action: str, found: dict[str, Any], *, subject_ref: str, data_classes: list[str],
                            not_found: Exception, log_now: bool = True) -> AccessDecision:
        """The access decision on a found thing; a refused thing outside the caller's scope is ``not_found``."""
        await self.refuse_unseen(action, found, subject_ref=subject_ref, data_classes=data_classes,
                                 not_found=not_found)
        return await self.require(action, found, subject_ref=subject_ref, data_classes=data_classes,
                                  log_now=log_now)


def guard_of(runtime: Annotated[Runtime, Depends(runtime_of)], principal: PrincipalDep) -> Guard:
    return Guard(runtime, principal)


GuardDep = Annotated[Guard, Depends(guard_of)]


def resource(kind: str, municipality_code: str | None, **attributes: Any) -> dict[str, Any]:
    """What the access policy needs to know about a thing: its kind and where it belongs."""
    district = police_district_of(municipality_code) if municipality_code else None
    return {"type": kind, "municipality_code": municipality_code, "police_district": district} | attributes


def visible_municipalities(principal: Principal) -> list[str]:
    """The municipalities whose records a list may show: the policy decides access, this only scopes queries.

    A police coordinator covers the police district; everyone else their own municipality.
    """
    if "police_coordinator" in principal.roles and principal.police_district:
        return list(police_districts().get(principal.police_district, {}).get("municipalities", []))
    return [principal.municipality_code] if principal.municipality_code else []
