"""Who is asking, and may they: OIDC bearer tokens (RS256, JWKS) and access decisions from OPA.

Sign-in across organisations (issue 13): an instance with a district document (``INFOHUS_DISTRICT_FILE``)
trusts its own identity provider (``OIDC_ISSUER``) for its own organisation only, and each issuer the
district document lists for an organisation for that organisation only. A token whose ``org`` its
issuer does not vouch for is refused (401); the organisation it vouches for is ``Principal.vouched_org``,
and the access policy decides what a member of another organisation may do here. A stand-alone instance
trusts its one issuer as before and vouches for no organisation.

Routes take a ``GuardDep`` and call ``await guard.require(action, resource)``: the decision is
OPA's (``infohus/access/decision``), a refusal is a 403 carrying the policy's reasons (``AccessRefused``), and an
allowed access to personal data is written to the processing log before anything is returned.
"""

import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any

import jwt
from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from pydantic import BaseModel, Field
from sqlmodel.ext.asyncio.session import AsyncSession

from infohus_contracts.base.district import District
from infohus_contracts.base.municipalities import police_district_of, police_districts
from infohus_platform.audit import processing_log
from infohus_platform.errors import AccessRefused, PolicyUnavailable, Unauthenticated
from infohus_platform.policy import AccessDecision
from infohus_platform.runtime import Runtime, runtime_of
from infohus_platform.settings import ServiceSettings, jwks_location

__all__ = ["AccessDecision", "Guard", "GuardDep", "OrgNotVouched", "Principal", "PrincipalDep", "TokenVerifier",
           "UntrustedIssuer", "instance_of", "resource", "visible_municipalities"]
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
    vouched_org: str | None = None
    """The organisation the token's issuer vouches the user belongs to (an instance with a district
    document); ``None`` on a stand-alone instance, where ``org`` is the token's word only."""

    def as_policy_subject(self) -> dict[str, Any]:
        # A display name decides nothing; left out, it is not in OPA's decision log either.
        return self.model_dump(exclude={"name"})


class UntrustedIssuer(jwt.InvalidIssuerError):
    """The token's issuer is not on this instance's trust list."""


class OrgNotVouched(jwt.InvalidTokenError):
    """The token names an organisation its issuer does not vouch for."""


class _KeySet:
    """One source of an issuer's signing keys: a JWKS URL, a JWKS file (development) or an inline set."""

    def __init__(self, jwks_url: str | None = None, jwks: dict[str, Any] | None = None) -> None:
        self._file: Path | None = None
        self._client: jwt.PyJWKClient | None = None
        self._inline: jwt.PyJWKSet | None = None
        if jwks is not None:
            self._inline = jwt.PyJWKSet.from_dict(jwks)
        elif jwks_url is None:
            raise ValueError("a key set needs a JWKS URL, file or inline set")
        elif jwks_url.startswith("file://") or jwks_url.startswith("/"):
            self._file = Path(jwks_url.removeprefix("file://"))
        else:
            self._client = jwt.PyJWKClient(jwks_url, cache_keys=True, lifespan=300)

    def key(self, kid: str | None) -> Any | None:
        """The key named ``kid``, or ``None`` when this set has none by that name."""
        if self._client is not None:
            try:
                return self._client.get_signing_key(kid).key  # type: ignore[arg-type]  # as PyJWT passes it
            except jwt.PyJWKClientConnectionError:
                raise
            except jwt.PyJWKClientError:
                return None
        keys = self._inline
        if keys is None:
            assert self._file is not None
            keys = jwt.PyJWKSet.from_dict(json.loads(self._file.read_text()))
        return next((key.key for key in keys.keys if key.key_id == kid), None)


@dataclass(frozen=True)
class _Trusted:
    """One key set of a trusted issuer, and the organisations a token it verifies may belong to
    (``None``: not scoped, the stand-alone instance's one issuer)."""

    keys: _KeySet
    orgs: frozenset[str] | None


class TokenVerifier:
    """Verifies RS256 tokens against the JWKS of a trusted issuer (an https URL in production, a file in
    development, or inline in the district document).

    Without ``district`` one issuer is trusted, as on a stand-alone instance. With it, ``issuer`` vouches
    for ``own_org`` only and every issuer of the district document for its own organisation only. What a
    token is vouched for is bound to the key that verified it: an issuer listed for two organisations with
    two key sets vouches, by each set's keys, for that set's organisation only.
    """

    def __init__(self, jwks_url: str, issuer: str, audience: str, *, district: District | None = None,
                 own_org: str | None = None) -> None:
        if district is not None and not own_org:
            raise ValueError("a district instance needs its own organisation (INFOHUS_ORG) to vouch for")
        self.issuer = issuer
        self.audience = audience
        self.district = district
        own = None if district is None else frozenset({str(own_org)})
        self._trusted: dict[str, list[_Trusted]] = {issuer: [_Trusted(_KeySet(jwks_url), own)]}
        for org_id, org in (district.organisations.items() if district is not None else ()):
            for listed in org.issuers:
                self._trusted.setdefault(listed.issuer, []).append(
                    _Trusted(_KeySet(listed.jwks_url, listed.jwks), frozenset({org_id})))

    @classmethod
    def from_settings(cls, settings: ServiceSettings) -> "TokenVerifier":
        """The instance's verifier: its own issuer, and the district document's when it has one."""
        return cls(jwks_location(settings), settings.oidc_issuer, settings.oidc_audience,
                   district=settings.district(), own_org=settings.infohus_org)

    def trusted_issuers(self) -> dict[str, frozenset[str] | None]:
        """Each trusted issuer and the organisations it vouches for (``None``: not scoped to one)."""
        found: dict[str, frozenset[str] | None] = {}
        for iss, entries in self._trusted.items():
            scoped = [entry.orgs for entry in entries if entry.orgs is not None]
            found[iss] = None if len(scoped) < len(entries) else frozenset().union(*scoped)
        return found

    def _claims(self, token: str, issuer: str, entries: list[_Trusted]) -> tuple[dict[str, Any], frozenset[str] | None]:
        """The verified claims, and the organisations of every key set whose key verified them."""
        kid = jwt.get_unverified_header(token).get("kid")
        claims: dict[str, Any] | None = None
        orgs: set[str] = set()
        scoped, key_found = True, False
        for entry in entries:
            key = entry.keys.key(kid)
            if key is None:
                continue
            key_found = True
            try:
                claims = jwt.decode(
                    token, key, algorithms=["RS256"], audience=self.audience, issuer=issuer,
                    options={"require": ["exp", "iss", "aud", "sub"]},
                )
            except jwt.InvalidSignatureError:
                continue
            if entry.orgs is None:
                scoped = False
            else:
                orgs |= entry.orgs
        if claims is None:
            raise jwt.InvalidSignatureError("signature verification failed") if key_found else \
                jwt.InvalidTokenError("unknown key id")
        return claims, frozenset(orgs) if scoped else None

    @staticmethod
    def issuer_of(token: str) -> str | None:
        """The issuer a token names (unverified: it only picks the keys to verify it with)."""
        issuer = jwt.decode(token, options={"verify_signature": False}).get("iss")
        return issuer if isinstance(issuer, str) else None

    def verify(self, token: str) -> Principal:
        # The issuer picks the keys: a key of one issuer never verifies a token naming another.
        issuer = self.issuer_of(token)
        entries = self._trusted.get(issuer) if issuer is not None else None
        if issuer is None or not entries:
            raise UntrustedIssuer("the token's issuer is not on this instance's trust list")
        claims, vouched_for = self._claims(token, issuer, entries)
        org = claims.get("org")
        vouched = None if vouched_for is None else _vouched_org(org, vouched_for)
        roles = claims.get("roles") or []
        return Principal(
            user_id=claims["sub"], name=claims.get("name", ""), roles=[r for r in roles if isinstance(r, str)],
            org=vouched or org, municipality_code=claims.get("municipality_code"),
            police_district=claims.get("police_district"), authority=claims.get("authority"), vouched_org=vouched,
        )


def _vouched_org(org: Any, vouched_for: Iterable[str]) -> str:
    """The token's organisation if its issuer vouches for it; a token naming none takes the issuer's one."""
    orgs = sorted(vouched_for)
    if org is None and len(orgs) == 1:
        return orgs[0]
    if not isinstance(org, str) or org not in orgs:
        raise OrgNotVouched("the token's issuer does not vouch for the organisation the token names")
    return org


def principal_of(
    request: Request, credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)]
) -> Principal:
    if credentials is None or credentials.scheme.lower() != "bearer":
        raise Unauthenticated("a bearer token is required")
    verifier = _verifier_of(request)
    try:
        return verifier.verify(credentials.credentials)
    except (UntrustedIssuer, OrgNotVouched) as exc:
        raise Unauthenticated(f"invalid token: {exc}", 'Bearer error="invalid_token"') from None
    except (jwt.PyJWTError, ValueError, OSError) as exc:
        raise Unauthenticated(f"invalid token: {type(exc).__name__}", 'Bearer error="invalid_token"') from None


def _verifier_of(request: Request) -> TokenVerifier:
    verifier: TokenVerifier = request.app.state.token_verifier
    return verifier


PrincipalDep = Annotated[Principal, Depends(principal_of)]


@dataclass
class Guard:
    runtime: Runtime
    principal: Principal

    async def decide(self, action: str, resource: dict[str, Any] | None = None) -> AccessDecision:
        # Everything this instance holds belongs to its controller: roles scoped to a controller (compliance,
        # operations) act only for their own, even when a shared identity provider vouches for others.
        scoped = {"org": self.runtime.settings.infohus_org} | (resource or {})
        input_data = {"subject": self.principal.as_policy_subject(), "action": action, "resource": scoped,
                      "instance": instance_of(self.runtime.settings)}
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


_KIND_BY_PREFIX = {"kommune-": "municipality", "politi-": "police", "netvaerk-": "network"}


def instance_of(settings: ServiceSettings) -> dict[str, str | None]:
    """This instance as the access policy reads it: its organisation and kind (``municipality``, ``police``,
    ``network``), from the district document, else from the organisation's prefix (``None`` when neither)."""
    org = settings.infohus_org
    district = settings.district()
    kind = district.kind_of(org) if district is not None else None
    if kind is not None:
        return {"org": org, "kind": kind.value}
    return {"org": org, "kind": next((k for p, k in _KIND_BY_PREFIX.items() if org.startswith(p)), None)}


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
