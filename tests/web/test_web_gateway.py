"""The web interface without the services: Danish messages, the form-to-API mapping, charts, sign-in and
sessions, and the pages' handling of refusals and field errors (the services' answers are faked here;
tests/e2e drives the real thing in a browser)."""

import re
from pathlib import Path

import httpx
import pytest
from fastapi.testclient import TestClient

from infohus_platform.problems import problem
from infohus_web import labels
from infohus_web.app import create_app
from infohus_web.charts import Bar, bar_chart
from infohus_web.client import ApiResult
from infohus_web.messages import field_errors, refusal_reasons, translate
from infohus_web.pages.intake import body_of
from infohus_web.settings import WebSettings


def test_common_reasons_are_translated_and_unknown_ones_shown_as_given():
    assert translate("Value error, must be 10 digits (DDMMYYXXXX)", "value_error").startswith("CPR-nummeret skal")
    assert translate("Value error, unknown municipality code (kommunekode)") == "Ukendt kommunekode."
    assert translate("Field required", "missing") == "Feltet skal udfyldes."
    assert translate("Input should be a valid date", "date_from_datetime_parsing") == "Ugyldig dato."
    assert translate("Value error, must not be in the future") == "Datoen må ikke ligge i fremtiden."
    assert translate("something nobody foresaw", "value_error") == "something nobody foresaw"


def test_field_errors_map_to_form_fields():
    body = problem(422, "invalid request", "invalid-request", errors=[
        {"field": "person.cpr", "reason": "Value error, must be 10 digits (DDMMYYXXXX)", "type": "value_error"},
        {"field": "description", "reason": "String should have at least 1 character", "type": "string_too_short"},
        {"field": "", "reason": "Value error, an anonymous concern carries no reporter", "type": "value_error"},
    ])
    errors = field_errors(body)
    assert errors["person.cpr"].startswith("CPR-nummeret skal være 10 cifre")
    assert errors["description"] == "Feltet skal udfyldes."
    assert "anonym" in errors[""]
    assert field_errors(body, lambda f: "x" if f == "description" else f)["x"] == "Feltet skal udfyldes."


def test_refusal_reasons_come_from_the_policy():
    assert refusal_reasons(problem(403, "refused by the access policy", "access-refused", reasons=[
        "role 'network_member' may not perform 'case.read'"])) == ["role 'network_member' may not perform 'case.read'"]
    assert refusal_reasons(problem(401, "a bearer token is required")) == ["a bearer token is required"]
    assert refusal_reasons(None) == ["politikken gav ingen begrundelse"]


def _values(**overrides) -> dict:
    values = {key: "" for key in ("municipality_code", "channel", "source_category", "received_at", "description")}
    values |= {f"person.{f}": "" for f in ("name", "cpr", "birth_date", "age", "area", "nationality",
                                            "family_network", "school_work")}
    values |= {f"reporter.{f}": "" for f in ("name", "organisation", "role", "phone", "email")}
    values |= {"concern_signs": [], "flags": [], "anonymous": False, "municipality_code": "820"}
    return values | overrides


def test_an_anonymous_concern_sends_no_reporter_and_empty_fields_are_left_out():
    body = body_of(_values(**{"person.name": "Åse Jørgensen", "reporter.name": "Søren Ærø", "anonymous": True,
                              "description": "Bekymring.", "flags": ["imminent_risk"]}))
    assert "reporter" not in body
    assert body["person"] == {"name": "Åse Jørgensen"}
    assert body["flags"] == {"imminent_risk": True, "honour_conflict": False, "possibly_not_radicalisation": False}
    named = body_of(_values(**{"person.name": "Åse", "reporter.name": "Søren Ærø", "received_at": "2026-01-02T10:30"}))
    assert named["reporter"] == {"name": "Søren Ærø"}
    assert named["received_at"].startswith("2026-01-02T10:30:00+01:00")  # Danish winter time


def test_a_bar_chart_is_accessible_svg_and_escapes_labels():
    svg = bar_chart("d", "Kilder <alle>", [Bar("Folkeskole", 7), Bar("<script>", 0)])
    assert svg.startswith("<svg") and 'role="img"' in svg and "aria-labelledby" in svg
    assert "<script>" not in svg and "&lt;script&gt;" in svg
    assert "Folkeskole: 7" in svg  # the text alternative
    assert "Ingen data" in bar_chart("e", "Tom", [])


def test_processing_log_actions_in_danish():
    assert labels.action_label("case.read") == "Læste sagen"
    assert labels.action_label("share:infohus.case.events.v1") == "Delte en hændelse (infohus.case.events.v1)"
    assert labels.action_label("registration.update:case.assessed").startswith("Opdaterede grundregistreringen")
    assert labels.action_label("brand.new") == "brand.new"


# --- the app, with the services' answers faked ----------------------------------------------------

@pytest.fixture
def app_client(tmp_path: Path):
    app = create_app(WebSettings(infohus_dev_idp_dir=tmp_path / "idp", infohus_env="test",
                                 web_public_url="http://testserver",
                                 oidc_discovery_url="http://testserver/dev-idp/.well-known/openid-configuration"))
    # The gateway's back channel to its own development identity provider, in process (no listening port).
    app.state.web.oidc.http = httpx.AsyncClient(transport=httpx.ASGITransport(app=app))
    answers: dict[tuple[str, str], ApiResult] = {}

    async def fake_call(service, method, path, token, **kwargs):
        assert token or path == "/api/v1/instruments/current", "the gateway calls with the user's token"
        for (m, pattern), result in answers.items():
            if m == method and re.fullmatch(pattern, path):
                return result
        return ApiResult(404, problem(404, "Not Found"))

    app.state.web.services.call = fake_call
    with TestClient(app) as client:
        yield client, answers


def sign_in(client: TestClient, user: str = "ssp_coordinator") -> str:
    """Through the authorization-code flow: our page, the provider's page, the callback."""
    start = client.get("/log-ind/start", follow_redirects=False)
    assert start.status_code == 303 and "code_challenge_method=S256" in start.headers["location"]
    chooser = client.get(start.headers["location"])
    hidden = dict(re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)"', chooser.text))
    back = client.post("/dev-idp/authorize", data=hidden | {"user": user}, follow_redirects=False)
    assert back.status_code == 303 and back.headers["location"].startswith("http://testserver/log-ind/retur?code=")
    signed_in = client.get(back.headers["location"], follow_redirects=False)
    assert signed_in.status_code == 200 and "Du er logget ind" in signed_in.text, signed_in.text
    cookie = signed_in.headers["set-cookie"]
    assert "HttpOnly" in cookie and "SameSite=strict" in cookie.replace("Strict", "strict")
    page = client.get("/henvendelser/ny").text
    return re.search(r'name="csrf" value="([^"]+)"', page).group(1)


def test_sign_in_lists_the_demo_users_and_pages_need_a_session(app_client):
    client, _ = app_client
    page = client.get("/log-ind")
    assert page.status_code == 200 and '<html lang="da">' in page.text
    assert 'href="/log-ind/start"' in page.text
    chooser = client.get(client.get("/log-ind/start", follow_redirects=False).headers["location"]).text
    assert "Sanne Sørensen" in chooser and "Nina Netværk" in chooser
    assert client.get("/sager", follow_redirects=False).headers["location"] == "/log-ind"
    assert page.headers["cache-control"] == "no-store"
    assert "frame-ancestors 'none'" in page.headers["content-security-policy"]
    assert page.headers["server-timing"].startswith("app;dur=")


def test_production_has_no_demo_sign_in(tmp_path: Path):
    app = create_app(WebSettings(infohus_env="production", oidc_jwks_url="https://idp.invalid/jwks"))
    with TestClient(app) as client:
        page = client.get("/log-ind").text
        assert "Log-ind er ikke sat op" in page and "/log-ind/start" not in page
        assert client.get("/dev-idp/.well-known/openid-configuration").status_code == 404
        assert client.get("/log-ind/start").status_code == 503


def test_production_sends_the_browser_to_the_municipalitys_provider_and_refuses_a_forged_callback():
    provider = {"issuer": "https://login.kommune.invalid", "authorization_endpoint": "https://login.kommune.invalid/auth",
                "token_endpoint": "https://login.kommune.invalid/token", "jwks_uri": "https://login.kommune.invalid/jwks"}

    def idp(request: httpx.Request) -> httpx.Response:
        assert request.url.path == "/.well-known/openid-configuration"
        return httpx.Response(200, json=provider)

    app = create_app(WebSettings(infohus_env="production", oidc_jwks_url="https://login.kommune.invalid/jwks",
                                 oidc_discovery_url="https://login.kommune.invalid/.well-known/openid-configuration",
                                 web_public_url="https://infohus.kommune.invalid"))
    app.state.web.oidc.http = httpx.AsyncClient(transport=httpx.MockTransport(idp))
    with TestClient(app) as client:
        start = client.get("/log-ind/start", follow_redirects=False)
        location = start.headers["location"]
        assert location.startswith("https://login.kommune.invalid/auth?response_type=code&client_id=infohus-web")
        assert "redirect_uri=https%3A%2F%2Finfohus.kommune.invalid%2Flog-ind%2Fretur" in location
        assert "Secure" in start.headers["set-cookie"] and "SameSite=lax" in start.headers["set-cookie"]
        assert start.headers["strict-transport-security"] == "max-age=31536000"  # https: HSTS by default
        state = re.search(r"state=([^&]+)", location).group(1)
        # The state in the URL without the browser's cookie (a forged or replayed callback) is refused.
        client.cookies.clear()
        forged = client.get("/log-ind/retur", params={"code": "x", "state": state})
        assert forged.status_code == 400 and "anden browser" in forged.text
        assert "infohus_session" not in forged.headers.get("set-cookie", "")


def test_absolute_urls_come_from_the_configured_address_never_from_the_host_header(app_client):
    client, _ = app_client
    forged = {"host": "evil.invalid"}
    start = client.get("/log-ind/start", headers=forged, follow_redirects=False).headers["location"]
    assert start.startswith("http://testserver/dev-idp/authorize?")
    assert "redirect_uri=http%3A%2F%2Ftestserver%2Flog-ind%2Fretur" in start and "evil" not in start
    discovery = client.get("/dev-idp/.well-known/openid-configuration", headers=forged).json()
    assert {discovery[k] for k in ("authorization_endpoint", "token_endpoint", "jwks_uri")} == {
        "http://testserver/dev-idp/authorize", "http://testserver/dev-idp/token", "http://testserver/dev-idp/jwks.json"}
    # The provider sends a code only back to the configured address, whatever the request names.
    chooser = client.get(start, headers=forged)
    hidden = dict(re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)"', chooser.text))
    elsewhere = hidden | {"redirect_uri": "http://evil.invalid/log-ind/retur", "user": "admin"}
    refused = client.post("/dev-idp/authorize", data=elsewhere, headers=forged, follow_redirects=False)
    assert refused.status_code == 400 and "ugyldig adresse" in refused.text


@pytest.mark.parametrize(("public_url", "overrides", "expected"), [
    ("http://127.0.0.1:8000", {}, None),
    ("https://infohus.kommune.invalid", {}, "max-age=31536000"),
    ("https://infohus.kommune.invalid", {"hsts_max_age_seconds": 600}, "max-age=600"),
    ("https://infohus.kommune.invalid", {"hsts_enabled": False}, None),
    ("http://127.0.0.1:8000", {"hsts_enabled": True}, "max-age=31536000"),
])
def test_hsts_is_sent_when_configured_by_default_behind_https(tmp_path: Path, public_url, overrides, expected):
    settings = WebSettings(infohus_dev_idp_dir=tmp_path / "idp", infohus_env="test", web_public_url=public_url,
                           **overrides)
    with TestClient(create_app(settings)) as client:
        for path in ("/log-ind", "/static/web.css", "/findes-ikke"):
            assert client.get(path).headers.get("strict-transport-security") == expected, path


def test_the_development_provider_refuses_a_code_without_its_pkce_verifier(app_client):
    client, _ = app_client
    location = client.get("/log-ind/start", follow_redirects=False).headers["location"]
    hidden = dict(re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)"', client.get(location).text))
    back = client.post("/dev-idp/authorize", data=hidden | {"user": "admin"}, follow_redirects=False)
    code = re.search(r"code=([^&]+)", back.headers["location"]).group(1)
    stolen = client.post("/dev-idp/token", data={"grant_type": "authorization_code", "code": code,
                                                 "redirect_uri": hidden["redirect_uri"], "client_id": "infohus-web",
                                                 "code_verifier": "not-the-verifier"})
    assert stolen.status_code == 400 and stolen.json() == {"error": "invalid_grant"}
    # The code was used up by the failed try: the real callback cannot redeem it either.
    assert client.get(back.headers["location"]).status_code == 400


def test_a_form_without_the_sessions_csrf_token_is_refused(app_client):
    client, _ = app_client
    sign_in(client)
    response = client.post("/henvendelser/ny", data={"csrf": "forged", "person.name": "x"})
    assert response.status_code == 400 and "Formularen er udløbet" in response.text


def test_a_refusal_shows_the_policys_reason_in_danish(app_client):
    client, answers = app_client
    sign_in(client, "network_member")
    answers[("GET", r"/api/v1/cases/[0-9a-f-]+")] = ApiResult(
        403, problem(403, "refused by the access policy", "access-refused", reasons=[
            "role 'network_member' may not perform 'case.read'", "a reason nobody has translated"]))
    page = client.get("/sager/7a0c3c5e-4a57-4a3f-9d1e-1f2f3a4b5c6d")
    assert page.status_code == 403
    assert "Du har ikke adgang: Rollen Medlem af Infohus Netværk giver ikke adgang til dette (case.read)." in page.text
    assert 'Du har ikke adgang: <span lang="en">a reason nobody has translated</span>' in page.text


@pytest.mark.parametrize(("reason", "danish"), [
    ("'case.read' is allowed only for: leadership, police_coordinator, ssp_coordinator",
     "kun Ledelse, Politiets koordinator, SSP-koordinator har adgang til dette (case.read)."),
    ("'registration.list' is allowed only for: leadership, registration_coordinator; the basic registration is "
     "readable only by the two designated registration coordinators and leadership (LEGAL.md §1 rule 10, §8)",
     "kun Ledelse, Registreringsansvarlig har adgang til dette (registration.list)."),
    ("subject belongs to municipality 851, the case to 820",
     "du hører til Aalborg Kommune, men sagen hører til Vesthimmerland Kommune."),
    ("subject belongs to authority employment_education, the enrichment_request to social_services_u18",
     "du hører til Beskæftigelse og uddannelse (jobcenter), men forespørgslen hører til "
     "Socialforvaltningen, børn og unge under 18."),
    ("role 'network_member' never handles personal data, and 'case.read' does",
     "rollen Medlem af Infohus Netværk må aldrig behandle personoplysninger, og det gør dette (case.read)."),
    ("a second person must sign off: the decision's decided_by is the subject itself (u-ssp-820)",
     "en anden person skal godkende: du har selv anmodet om eller truffet beslutningen."),
])
def test_the_access_policys_reasons_read_in_danish(reason, danish):
    from infohus_web.messages import reason_da

    assert reason_da(reason) == danish


def test_a_422_puts_the_danish_message_next_to_the_field(app_client):
    client, answers = app_client
    csrf = sign_in(client)
    answers[("POST", "/api/v1/concerns")] = ApiResult(422, problem(422, "invalid request", "invalid-request", errors=[
        {"field": "person.cpr", "reason": "Value error, must be 10 digits (DDMMYYXXXX)", "type": "value_error"}]))
    page = client.post("/henvendelser/ny", data={"csrf": csrf, "person.name": "Ida Læsø", "person.cpr": "12345",
                                                 "description": "Bekymring.", "municipality_code": "820"})
    assert page.status_code == 422
    html = page.text
    assert 'id="person-cpr-error"' in html and "CPR-nummeret skal være 10 cifre" in html
    field = re.search(r'<input id="person-cpr"[^>]*>', html).group(0)
    assert 'aria-invalid="true"' in field and "person-cpr-error" in field and 'value="12345"' in field


def test_an_accepted_concern_goes_to_its_receipt_by_id(app_client):
    client, answers = app_client
    csrf = sign_in(client)
    answers[("POST", "/api/v1/concerns")] = ApiResult(202, {"concern_id": "0b0e0c0d-1111-4222-8333-944455556666"})
    response = client.post("/henvendelser/ny", data={"csrf": csrf, "person.name": "Åse", "description": "x",
                                                     "municipality_code": "820", "person.cpr": "0101104234"},
                           follow_redirects=False)
    assert response.headers["location"] == "/henvendelser/0b0e0c0d-1111-4222-8333-944455556666"
    assert "0101104234" not in response.headers["location"] and "Åse" not in response.headers["location"]


def test_a_meeting_link_from_a_summons_opens_the_meetings_page_there(app_client):
    client, _ = app_client
    sign_in(client)
    response = client.get("/moeder/0b0e0c0d-1111-4222-8333-944455556666", follow_redirects=False)
    assert response.headers["location"] == "/moeder#moede-0b0e0c0d-1111-4222-8333-944455556666"


def test_the_case_shows_a_held_duty_to_inform_notice_and_its_review():
    from datetime import date, timedelta

    from infohus_web.pages.cases import _duty_to_inform

    past = (date.today() - timedelta(days=1)).isoformat()
    held = _duty_to_inform([{"kind": "duty_to_inform", "status": "held", "review_on": past,
                             "exemption_basis": "Æresrelateret konflikt: risikovurdering først"}])
    assert held["review_due"] is True and held["status"] == "held"
    assert _duty_to_inform([{"kind": "meeting_summons"}]) is None


def test_the_development_provider_sends_codes_only_back_to_this_gateway(app_client):
    client, _ = app_client
    location = client.get("/log-ind/start", follow_redirects=False).headers["location"]
    hidden = dict(re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)"', client.get(location).text))
    elsewhere = hidden | {"redirect_uri": "https://evil.invalid/log-ind/retur", "user": "admin"}
    refused = client.post("/dev-idp/authorize", data=elsewhere, follow_redirects=False)
    assert refused.status_code == 400 and "ugyldig adresse" in refused.text


def test_the_art_15_page_asks_every_service_and_offers_the_export_as_a_file(app_client):
    client, answers = app_client
    csrf = sign_in(client, "compliance_officer")
    assert client.post("/compliance/indsigt", data={"csrf": csrf, "cpr": "12345"}).status_code == 422
    answers[("POST", "/api/v1/subject-access")] = ApiResult(200, {
        "concern_ids": ["c-1"], "exemptions": {"reporter": ["the reporter is protected"]},
        "records": [{"table": "concern", "fields": {
            "person.name": {"value": "Åse", "data_class": "identity"},
            "reporter.name": {"value": None, "data_class": "reporter", "withheld": ["the reporter is protected"]}}}],
        "processing_log": [{"at": "2026-11-23T10:00:00Z", "actor": "u-ssp-820", "action": "case.read",
                            "data_classes": ["identity"], "outcome": "allowed"}]})
    page = client.post("/compliance/indsigt", data={"csrf": csrf, "cpr": "140309-4321"})
    assert page.status_code == 200, page.text
    assert "1 henvendelse om personen" in page.text and "Anmelder" in page.text
    assert "the reporter is protected" in page.text and "Læste sagen" in page.text
    export = client.post("/compliance/indsigt", data={"csrf": csrf, "cpr": "1403094321", "format": "json"})
    assert export.headers["content-disposition"] == 'attachment; filename="indsigt-art15.json"'
    assert set(export.json()["services"]) == {"intake", "assessment", "registry", "notify"}
    assert "1403094321" not in export.headers["content-disposition"]
    answers[("POST", "/api/v1/subject-access")] = ApiResult(
        403, problem(403, "refused by the access policy", "access-refused", reasons=["role may not export"]))
    refused = client.post("/compliance/indsigt", data={"csrf": csrf, "cpr": "1403094321"})
    assert refused.status_code == 403 and "role may not export" in refused.text


def test_an_unreachable_identity_provider_gets_a_danish_message_not_a_500():
    def down(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("connection refused", request=request)

    app = create_app(WebSettings(infohus_env="production", oidc_jwks_url="https://login.kommune.invalid/jwks",
                                 oidc_discovery_url="https://login.kommune.invalid/.well-known/openid-configuration"))
    app.state.web.oidc.http = httpx.AsyncClient(transport=httpx.MockTransport(down))
    with TestClient(app) as client:
        page = client.get("/log-ind/start", follow_redirects=False)
        assert page.status_code == 503 and "Identitetsudbyderen svarer ikke lige nu" in page.text
        assert "Traceback" not in page.text


def test_cancelling_at_the_provider_brings_the_person_back_with_a_danish_message(app_client):
    client, _ = app_client
    location = client.get("/log-ind/start", follow_redirects=False).headers["location"]
    hidden = dict(re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)"', client.get(location).text))
    back = client.post("/dev-idp/authorize", data=hidden | {"user": ""}, follow_redirects=False)
    assert "error=access_denied" in back.headers["location"]
    page = client.get(back.headers["location"])
    assert page.status_code == 400 and "Log-ind blev afbrudt hos identitetsudbyderen" in page.text
    assert client.get("/sager", follow_redirects=False).headers["location"] == "/log-ind"


def test_an_unexpected_error_is_a_danish_page_with_a_correlation_id_and_no_traceback(app_client, capsys):
    client, _ = app_client

    async def broken() -> None:
        raise RuntimeError("Åse Jørgensen 0101104234")  # what a careless exception might carry

    client.app.add_api_route("/i-stykker", broken)
    client.app.middleware_stack = client.app.build_middleware_stack()
    page = client.get("/i-stykker", headers={"x-correlation-id": "test-123"})
    assert page.status_code == 500 and "Noget gik galt" in page.text and "Intet er gemt" in page.text
    assert page.headers["x-correlation-id"] == "test-123" and page.headers["cache-control"] == "no-store"
    assert "0101104234" not in page.text and "Traceback" not in page.text
    logged = capsys.readouterr().out
    assert "RuntimeError" in logged and "0101104234" not in logged and "Åse" not in logged


# --- bounds: a flood of sign-ins, a body too large ------------------------------------------------

def _bounded_app(tmp_path: Path, **settings):
    app = create_app(WebSettings(infohus_dev_idp_dir=tmp_path / "idp", infohus_env="test",
                                 web_public_url="http://testserver",
                                 oidc_discovery_url="http://testserver/dev-idp/.well-known/openid-configuration",
                                 **settings))
    app.state.web.oidc.http = httpx.AsyncClient(transport=httpx.ASGITransport(app=app))
    return app


def test_a_flood_of_sign_in_starts_from_one_client_is_slowed_and_locks_nobody_else_out(tmp_path: Path):
    app = _bounded_app(tmp_path)
    with TestClient(app, client=("1.2.3.4", 123)) as flooder, TestClient(app, client=("5.6.7.8", 123)) as user:
        answers = [flooder.get("/log-ind/start", follow_redirects=False) for _ in range(300)]
        assert [a.status_code for a in answers[:10]] == [303] * 10
        limited = answers[-1]
        assert limited.status_code == 429 and '<html lang="da">' in limited.text
        assert "For mange forsøg på at logge ind" in limited.text and int(limited.headers["retry-after"]) >= 1
        assert len(app.state.web.oidc._pending) <= 10
        assert sign_in(user)  # a real person at another address signs in


def test_pending_sign_ins_stay_bounded_and_a_real_sign_in_still_works_after_a_distributed_flood(tmp_path: Path):
    app = _bounded_app(tmp_path, sign_in_burst=10_000, sign_in_pending_per_client=5, sign_in_pending_max=100,
                       trusted_proxy_header="X-Forwarded-For")
    with TestClient(app) as client:
        for i in range(500):
            start = client.get("/log-ind/start", follow_redirects=False,
                               headers={"x-forwarded-for": f"198.51.100.{i % 25}"})
            assert start.status_code == 303
        assert len(app.state.web.oidc._pending) <= 100
        assert sign_in(client)


def test_a_body_over_the_limit_gets_a_danish_413_page_also_when_chunked(tmp_path: Path):
    app = _bounded_app(tmp_path, max_request_bytes=4096)
    with TestClient(app) as client:
        csrf = sign_in(client)
        declared = client.post("/henvendelser/ny", data={"csrf": csrf, "description": "x" * 10_000})
        assert declared.status_code == 413 and "Det sendte er for stort" in declared.text

        def chunks():
            yield f"csrf={csrf}&description=".encode()
            for _ in range(100):
                yield b"x" * 100

        chunked = client.post("/henvendelser/ny", content=chunks(),
                              headers={"content-type": "application/x-www-form-urlencoded"})
        assert "content-length" not in chunked.request.headers
        assert chunked.status_code == 413 and '<html lang="da">' in chunked.text
