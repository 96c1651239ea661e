"""Sign-in across organisations (issue 13): each instance trusts a list of issuers, each for its own organisation.

A police coordinator signs in to a municipality's Infohus Kommune with the police district's own identity
provider. Two (and more) development identity providers with their own keys stand in for the real ones; the
district document carries their public key sets inline, as the trust list. No infrastructure is needed.
"""

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from types import SimpleNamespace
from typing import Any, ClassVar

import jwt
import pytest
from fastapi.security import HTTPAuthorizationCredentials

from infohus_contracts.base.district import District
from infohus_contracts.base.municipalities import police_districts
from infohus_platform.auth import (
    Guard,
    OrgNotVouched,
    Principal,
    TokenVerifier,
    UntrustedIssuer,
    instance_of,
    principal_of,
)
from infohus_platform.devidp import AUDIENCE, ISSUER, ensure_keys, issue_token, org_idp_dir, org_issuer, public_jwks
from infohus_platform.errors import Unauthenticated
from infohus_platform.policy import AccessDecision
from infohus_platform.settings import ServiceSettings

MUNICIPALITY, POLICE, NEIGHBOUR, NETWORK = "kommune-820", "politi-nordjylland", "kommune-851", "netvaerk-nordjylland"
NORDJYLLAND = police_districts()["nordjylland"]["municipalities"]
POLICE_CLAIMS = {"org": POLICE, "municipality_code": None, "police_district": "nordjylland"}


class Settings(ServiceSettings):
    service_name: ClassVar[str] = "assessment"
    default_port: ClassVar[int] = 8002


@pytest.fixture(autouse=True)
def clean_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("INFOHUS_ORG", "INFOHUS_DISTRICT_FILE", "OIDC_ISSUER", "OIDC_JWKS_URL", "INFOHUS_DEV_IDP_DIR",
                 "INFOHUS_MUNICIPALITIES", "INFOHUS_ENV"):
        monkeypatch.delenv(name, raising=False)


@pytest.fixture(scope="module")
def idps(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One development identity provider (key directory) per organisation, plus one nobody lists."""
    base = tmp_path_factory.mktemp("idps")
    for org in (MUNICIPALITY, POLICE, NEIGHBOUR, NETWORK, "kommune-999"):
        ensure_keys(org_idp_dir(org, base))
    return base


def token(idps: Path, idp: str, user: str | dict = "police_coordinator", /, *, issuer: str | None = None,
          **claims: Any) -> str:
    """A token signed by the identity provider of the organisation ``idp`` (as its issuer, unless told another)."""
    return issue_token(user, org_idp_dir(idp, idps), issuer=issuer or org_issuer(idp), **claims)


def organisation(kind: str, municipalities: list[str], *issuers: dict[str, Any]) -> dict[str, Any]:
    return {"kind": kind, "name": kind, "municipalities": municipalities, "issuers": list(issuers)}


def inline(idps: Path, org: str) -> dict[str, Any]:
    return {"issuer": org_issuer(org), "jwks": public_jwks(org_idp_dir(org, idps))}


def district_document(idps: Path, **police_issuer: Any) -> District:
    return District.model_validate({
        "district": "nordjylland", "version": "test-1", "agreements": [],
        "organisations": {
            MUNICIPALITY: organisation("municipality", ["820"], inline(idps, MUNICIPALITY)),
            NEIGHBOUR: organisation("municipality", ["851"], inline(idps, NEIGHBOUR)),
            POLICE: organisation("police", NORDJYLLAND, police_issuer or inline(idps, POLICE)),
            NETWORK: organisation("network", NORDJYLLAND, inline(idps, NETWORK)),
        },
    })


def district_verifier(idps: Path, district: District | None = None) -> TokenVerifier:
    """kommune-820's instance: its own issuer (a JWKS file, as in development) and the district's."""
    return TokenVerifier(str(ensure_keys(org_idp_dir(MUNICIPALITY, idps))), org_issuer(MUNICIPALITY), AUDIENCE,
                         district=district or district_document(idps), own_org=MUNICIPALITY)


def settings_with_district(idps: Path, tmp_path: Path) -> Settings:
    path = tmp_path / "district.json"
    path.write_text(district_document(idps).model_dump_json(by_alias=True), "utf-8")
    return Settings(infohus_org=MUNICIPALITY, infohus_district_file=path, oidc_issuer=org_issuer(MUNICIPALITY),
                    infohus_dev_idp_dir=org_idp_dir(MUNICIPALITY, idps))


# -- the police's own identity provider, in a municipality's instance ----------------------------------


def test_a_police_token_from_the_police_idp_is_accepted_in_the_municipalitys_instance(idps: Path) -> None:
    principal = district_verifier(idps).verify(token(idps, POLICE, **POLICE_CLAIMS))
    assert principal.vouched_org == POLICE
    assert principal.org == POLICE
    assert principal.roles == ["police_coordinator"]
    assert principal.police_district == "nordjylland"
    assert principal.as_policy_subject()["vouched_org"] == POLICE


def test_the_same_claims_signed_by_the_municipalitys_idp_are_refused(idps: Path) -> None:
    forged = token(idps, MUNICIPALITY, **POLICE_CLAIMS)
    with pytest.raises(OrgNotVouched, match="does not vouch for the organisation"):
        district_verifier(idps).verify(forged)


def test_the_municipalitys_key_cannot_sign_as_the_police_issuer(idps: Path) -> None:
    # Both development IdPs name their key alike (kid): the issuer, not the kid alone, picks the keys.
    forged = token(idps, MUNICIPALITY, issuer=org_issuer(POLICE), **POLICE_CLAIMS)
    assert jwt.get_unverified_header(forged)["kid"] == jwt.get_unverified_header(
        token(idps, POLICE, **POLICE_CLAIMS))["kid"]
    with pytest.raises(jwt.InvalidSignatureError):
        district_verifier(idps).verify(forged)


def test_a_token_from_an_issuer_not_on_the_list_is_refused(idps: Path) -> None:
    stranger = token(idps, "kommune-999", "ssp_coordinator", org="kommune-999", municipality_code="999")
    with pytest.raises(UntrustedIssuer, match="not on this instance's trust list"):
        district_verifier(idps).verify(stranger)


def test_the_own_issuer_vouches_for_the_own_org_only(idps: Path) -> None:
    verifier = district_verifier(idps)
    own = verifier.verify(token(idps, MUNICIPALITY, "ssp_coordinator"))
    assert (own.org, own.vouched_org) == (MUNICIPALITY, MUNICIPALITY)
    unnamed = verifier.verify(token(idps, MUNICIPALITY, {"sub": "u-1", "roles": ["ssp_coordinator"]}, org=None))
    assert unnamed.vouched_org == MUNICIPALITY
    with pytest.raises(OrgNotVouched):
        verifier.verify(token(idps, MUNICIPALITY, "ssp_coordinator_851"))
    assert verifier.trusted_issuers()[org_issuer(MUNICIPALITY)] == {MUNICIPALITY}
    assert verifier.trusted_issuers()[org_issuer(POLICE)] == {POLICE}


def test_another_municipalitys_idp_vouches_for_that_municipality_and_the_policy_decides(idps: Path) -> None:
    principal = district_verifier(idps).verify(token(idps, NEIGHBOUR, "ssp_coordinator_851"))
    assert principal.vouched_org == NEIGHBOUR
    with pytest.raises(OrgNotVouched):
        district_verifier(idps).verify(token(idps, NEIGHBOUR, "ssp_coordinator"))  # claims kommune-820


def test_an_issuer_listed_for_two_orgs_vouches_by_each_key_set_for_its_own_org(idps: Path) -> None:
    # One issuer name, two key sets: what a token is vouched for is bound to the key that verified it.
    shared = "shared-idp"
    document = District.model_validate({
        "district": "nordjylland", "version": "test-1", "agreements": [],
        "organisations": {
            MUNICIPALITY: organisation("municipality", ["820"]),
            NEIGHBOUR: organisation("municipality", ["851"], {
                "issuer": shared, "jwks": public_jwks(org_idp_dir(NEIGHBOUR, idps))}),
            POLICE: organisation("police", NORDJYLLAND, {
                "issuer": shared, "jwks": public_jwks(org_idp_dir(POLICE, idps))}),
        },
    })
    verifier = district_verifier(idps, document)
    assert verifier.trusted_issuers()[shared] == {NEIGHBOUR, POLICE}
    assert verifier.verify(token(idps, POLICE, issuer=shared, **POLICE_CLAIMS)).vouched_org == POLICE
    with pytest.raises(OrgNotVouched):
        verifier.verify(token(idps, NEIGHBOUR, issuer=shared, **POLICE_CLAIMS))


@pytest.fixture
def jwks_server(idps: Path) -> Iterator[str]:
    """The police IdP's JWKS over HTTP (PyJWKClient's path), on an ephemeral local port."""
    body = json.dumps(public_jwks(org_idp_dir(POLICE, idps))).encode()

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/jwks.json"
    finally:
        server.shutdown()
        server.server_close()


def test_an_issuers_keys_by_url(idps: Path, jwks_server: str) -> None:
    verifier = district_verifier(idps, district_document(idps, issuer=org_issuer(POLICE), jwks_url=jwks_server))
    assert verifier.verify(token(idps, POLICE, **POLICE_CLAIMS)).vouched_org == POLICE
    with pytest.raises(jwt.InvalidSignatureError):
        verifier.verify(token(idps, NETWORK, issuer=org_issuer(POLICE), **POLICE_CLAIMS))


# -- a stand-alone instance: as before -------------------------------------------------------------------


def test_without_a_district_the_one_issuer_is_trusted_as_before(idps: Path) -> None:
    own_dir = org_idp_dir(MUNICIPALITY, idps)
    verifier = TokenVerifier(str(ensure_keys(own_dir)), ISSUER, AUDIENCE)
    principal = verifier.verify(issue_token("police_coordinator", own_dir))
    assert (principal.org, principal.vouched_org) == ("politikreds-nordjylland", None)
    assert "vouched_org" in principal.as_policy_subject()
    assert verifier.verify(issue_token("ssp_coordinator_851", own_dir)).org == NEIGHBOUR
    assert verifier.trusted_issuers() == {ISSUER: None}
    with pytest.raises(jwt.InvalidIssuerError):
        verifier.verify(token(idps, POLICE, **POLICE_CLAIMS))
    with pytest.raises(jwt.InvalidTokenError, match="unknown key id"):
        verifier.verify(jwt.encode({"iss": ISSUER}, (own_dir / "private.pem").read_bytes(), algorithm="RS256",
                                   headers={"kid": "another"}))


def test_a_district_instance_needs_its_own_org(idps: Path) -> None:
    with pytest.raises(ValueError, match="INFOHUS_ORG"):
        TokenVerifier(str(ensure_keys(org_idp_dir(MUNICIPALITY, idps))), ISSUER, AUDIENCE,
                      district=district_document(idps), own_org="")


# -- the sign-in dependency and what the access policy is given -------------------------------------------


def request_for(settings: Settings, verifier: TokenVerifier) -> Any:
    state = SimpleNamespace(token_verifier=verifier, runtime=SimpleNamespace(settings=settings))
    return SimpleNamespace(app=SimpleNamespace(state=state))


def bearer(value: str) -> HTTPAuthorizationCredentials:
    return HTTPAuthorizationCredentials(scheme="Bearer", credentials=value)


def test_sign_in_on_a_district_instance_uses_the_trust_list(idps: Path, tmp_path: Path) -> None:
    settings = settings_with_district(idps, tmp_path)
    # As the service builds it (build_app): its own issuer and the trust list's.
    request = request_for(settings, TokenVerifier.from_settings(settings))
    assert principal_of(request, bearer(token(idps, POLICE, **POLICE_CLAIMS))).vouched_org == POLICE

    with pytest.raises(Unauthenticated) as refused:
        principal_of(request, bearer(token(idps, MUNICIPALITY, **POLICE_CLAIMS)))
    assert refused.value.status == 401
    assert refused.value.detail == ("invalid token: the token's issuer does not vouch for the organisation the "
                                    "token names")
    with pytest.raises(Unauthenticated) as stranger:
        principal_of(request, bearer(token(idps, "kommune-999", "ssp_coordinator", org="kommune-999")))
    assert stranger.value.detail == "invalid token: the token's issuer is not on this instance's trust list"
    assert "u-" not in stranger.value.detail and "u-" not in refused.value.detail


def test_sign_in_on_a_stand_alone_instance_is_unchanged(idps: Path) -> None:
    settings = Settings(infohus_org=MUNICIPALITY, infohus_dev_idp_dir=org_idp_dir(MUNICIPALITY, idps))
    verifier = TokenVerifier.from_settings(settings)
    request = request_for(settings, verifier)
    principal = principal_of(request, bearer(issue_token("police_coordinator", settings.infohus_dev_idp_dir)))
    assert (principal.org, principal.vouched_org) == ("politikreds-nordjylland", None)
    assert request.app.state.token_verifier is verifier


class CapturingPolicy:
    def __init__(self) -> None:
        self.asked: list[dict[str, Any]] = []

    async def access(self, input_data: dict[str, Any]) -> AccessDecision:
        self.asked.append(input_data)
        return AccessDecision(allow=True)


async def test_the_access_input_names_the_instance_and_the_vouched_org(idps: Path, tmp_path: Path) -> None:
    settings = settings_with_district(idps, tmp_path)
    policy = CapturingPolicy()
    principal = Principal(user_id="u-pol-nj", roles=["police_coordinator"], org=POLICE, vouched_org=POLICE,
                          police_district="nordjylland")
    await Guard(SimpleNamespace(settings=settings, policy=policy), principal).decide(  # type: ignore[arg-type]
        "case.read", {"type": "case", "municipality_code": "820"})
    (asked,) = policy.asked
    assert asked["instance"] == {"org": MUNICIPALITY, "kind": "municipality"}
    assert asked["subject"]["vouched_org"] == POLICE
    assert asked["resource"]["org"] == MUNICIPALITY


@pytest.mark.parametrize(("org", "kind"), [
    ("kommune-820", "municipality"), ("politi-nordjylland", "police"), ("netvaerk-nordjylland", "network"),
])
def test_the_instance_kind_without_a_district_comes_from_the_org_prefix(org: str, kind: str) -> None:
    assert instance_of(Settings(infohus_org=org, infohus_regime="rhl" if kind == "police" else "gdpr")) == {
        "org": org, "kind": kind}


def test_the_instance_kind_comes_from_the_district_document(idps: Path, tmp_path: Path) -> None:
    settings = settings_with_district(idps, tmp_path)
    assert instance_of(settings) == {"org": MUNICIPALITY, "kind": "municipality"}
    # The document's word wins over the prefix (a document that says otherwise shows whose word is read).
    document = district_document(idps).model_dump(by_alias=True)
    document["organisations"][NETWORK]["kind"] = "police"
    path = tmp_path / "odd-district.json"
    path.write_text(json.dumps(document), "utf-8")
    assert instance_of(Settings(infohus_org=NETWORK, infohus_district_file=path)) == {"org": NETWORK, "kind": "police"}
