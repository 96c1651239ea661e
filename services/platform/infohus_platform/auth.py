"""Who is asking, and may they: OIDC bearer tokens (RS256, JWKS) and access decisions from OPA.

Routes take a ``GuardDep`` and call ``await guard.require(action, resource)``: the decision is
OPA's (``infohus/access/decision``), a refusal is a 403 carrying the policy's reasons, and an
allowed access to personal data is written to the processing log before anything is returned.
"""

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated, Any

import jwt
from fastapi import APIRouter, Depends, HTTPException, Query, Request, status
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from pydantic import BaseModel, Field
from sqlmodel import col, select

from infohus_contracts.municipalities import police_district_of, police_districts

from . import processing_log
from .policy import PolicyUnavailable
from .runtime import Runtime, runtime_of

ACCESS_DECISION = ("infohus/access", "decision")
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
        raise HTTPException(status.HTTP_401_UNAUTHORIZED, detail="a bearer token is required",
                            headers={"WWW-Authenticate": "Bearer"})
    verifier: TokenVerifier = request.app.state.token_verifier
    try:
        return verifier.verify(credentials.credentials)
    except (jwt.PyJWTError, ValueError, OSError) as exc:
        raise HTTPException(status.HTTP_401_UNAUTHORIZED, detail=f"invalid token: {type(exc).__name__}",
                            headers={"WWW-Authenticate": 'Bearer error="invalid_token"'}) from None


PrincipalDep = Annotated[Principal, Depends(principal_of)]


@dataclass
class AccessDecision:
    allow: bool
    reasons: list[str] = field(default_factory=list)
    log_access: bool = False
    purpose: str = "prevention"
    decision_id: str | None = None


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
            answer = await self.runtime.policy.query(*ACCESS_DECISION, input_data)
        except PolicyUnavailable:
            raise HTTPException(status.HTTP_503_SERVICE_UNAVAILABLE,
                                detail="the access policy cannot be asked right now; nothing was done") from None
        result = answer.get("result")
        if not isinstance(result, dict):
            return AccessDecision(False, ["access decision undefined: denied"], decision_id=answer.get("decision_id"))
        return AccessDecision(
            allow=result.get("allow") is True, reasons=list(result.get("reasons", [])),
            log_access=result.get("log_access") is True, purpose=result.get("purpose") or "prevention",
            decision_id=answer.get("decision_id"),
        )

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
                await self.record(session, decision, action, subject_ref=subject_ref, data_classes=data_classes)
                await session.commit()
        if not decision.allow:
            raise HTTPException(status.HTTP_403_FORBIDDEN, detail={"reasons": decision.reasons})
        return decision

    async def record(
        self,
        session: Any,
        decision: AccessDecision,
        action: str,
        *,
        subject_ref: str | None = None,
        data_classes: list[str] | None = None,
    ) -> None:
        await self.record_each(session, decision, action, [subject_ref], data_classes=data_classes)

    async def record_each(
        self,
        session: Any,
        decision: AccessDecision,
        action: str,
        subject_refs: list[str | None],
        *,
        data_classes: list[str] | None = None,
    ) -> None:
        """One log entry per subject, for a list or an export that shows several people."""
        if (decision.allow and not decision.log_access) or not subject_refs:
            return
        await processing_log.record_each(
            session, subject_refs, actor=self.principal.user_id, actor_roles=self.principal.roles, action=action,
            data_classes=data_classes or [], purpose=decision.purpose, decision_id=decision.decision_id,
            outcome="allowed" if decision.allow else "denied", is_postgres=self.runtime.db.is_postgres,
        )


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


def processing_log_router() -> APIRouter:
    """``GET /api/v1/processing-log``: this service's log entries about one subject, for compliance staff."""
    router = APIRouter(prefix="/api/v1", tags=["compliance"])

    @router.get("/processing-log")
    async def read_log(runtime: Annotated[Runtime, Depends(runtime_of)], guard: GuardDep,
                       subject_ref: Annotated[str, Query(min_length=1, max_length=100)],
                       limit: Annotated[int, Query(ge=1, le=1000)] = 200) -> list[dict]:
        await guard.require("processing_log.read", resource("processing_log", guard.principal.municipality_code),
                            subject_ref=subject_ref, data_classes=["process"])
        async with runtime.db.session() as session:
            entry = processing_log.ProcessingLogEntry
            query = select(entry).where(entry.subject_ref == subject_ref).order_by(col(entry.seq)).limit(limit)
            rows = (await session.exec(query)).all()
        return [row.model_dump(exclude={"prev_hash"}) for row in rows]

    return router
