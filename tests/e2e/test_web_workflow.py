"""The web interface in a real browser: Debian's chromium, headless, driven by Playwright.

One concern goes through the whole workflow by the roles who do each step: the SSP coordinator
registers it by phone and assesses it, a caseworker at social services answers the enrichment
request, leadership approves the decision, and the SSP coordinator follows up. A network member
and a jobcentre caseworker then open the case and get the policy's refusal. Screenshots of the
main pages go to ``test-output/screenshots/``; navigation timings to ``test-output/web-timings.json``.

Runs against the suite's stack (``make test``), or against a running web interface given by
``INFOHUS_WEB_URL`` (for example ``make run``'s on port 8000).
"""

import json
import os
import secrets
import statistics
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from playwright.sync_api import Error as PlaywrightError
from playwright.sync_api import sync_playwright

import samples

pytestmark = [pytest.mark.integration, pytest.mark.e2e]

ROOT = Path(__file__).resolve().parents[2]
SHOTS = ROOT / "test-output" / "screenshots"
TIMINGS = ROOT / "test-output" / "web-timings.json"
CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]
NAV_TIMING = """() => {
  const n = performance.getEntriesByType('navigation')[0];
  const app = (n.serverTiming || []).find(s => s.name === 'app');
  return {path: location.pathname, server_ms: app ? app.duration : null,
          response_ms: n.responseEnd - n.requestStart, dom_ready_ms: n.domContentLoadedEventEnd - n.startTime};
}"""


@pytest.fixture(scope="module")
def web_url(request: pytest.FixtureRequest) -> str:
    given = os.environ.get("INFOHUS_WEB_URL")
    if given:
        return given.rstrip("/")
    stack = request.getfixturevalue("stack")
    return stack["web"].url


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} is missing: run `make browser` (deploy/local/browser.sh)")
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture(scope="module")
def timings() -> Iterator[list[dict]]:
    collected: list[dict] = []
    yield collected
    if not collected:
        return
    server = [t["server_ms"] for t in collected if t["server_ms"] is not None]
    summary = {
        "pages": len(collected),
        "median_server_ms": round(statistics.median(server), 1) if server else None,
        "median_response_ms": round(statistics.median(t["response_ms"] for t in collected), 1),
        "median_dom_ready_ms": round(statistics.median(t["dom_ready_ms"] for t in collected), 1),
        "max_server_ms": round(max(server), 1) if server else None,
        "by_page": collected,
    }
    TIMINGS.parent.mkdir(parents=True, exist_ok=True)
    TIMINGS.write_text(json.dumps(summary, indent=2, ensure_ascii=False))
    print(f"\nweb page timings over {len(collected)} pages: median server {summary['median_server_ms']} ms, "
          f"median response {summary['median_response_ms']} ms, median DOM ready {summary['median_dom_ready_ms']} ms")


A11Y_BASICS = """() => {
  const problems = [];
  if (document.documentElement.lang !== 'da') problems.push('html lang is not da');
  if (document.querySelectorAll('h1').length !== 1) problems.push('not exactly one h1');
  if (!document.querySelector('a.skip-link[href="#indhold"]') || !document.getElementById('indhold'))
    problems.push('no skip link');
  for (const el of document.querySelectorAll('input:not([type=hidden]), select, textarea')) {
    if (!el.labels || el.labels.length === 0) problems.push('no label: ' + (el.id || el.name));
  }
  for (const el of document.querySelectorAll('[aria-describedby]')) {
    for (const id of el.getAttribute('aria-describedby').split(' ')) {
      if (!document.getElementById(id)) problems.push('aria-describedby points nowhere: ' + id);
    }
  }
  for (const th of document.querySelectorAll('table th')) {
    if (!th.getAttribute('scope')) problems.push('th without scope: ' + th.textContent.trim());
  }
  for (const svg of document.querySelectorAll('svg')) {
    if (svg.getAttribute('role') !== 'img' || !svg.getAttribute('aria-labelledby')) problems.push('svg without a name');
  }
  const ids = {};
  for (const el of document.querySelectorAll('[id]')) { ids[el.id] = (ids[el.id] || 0) + 1; }
  for (const [id, n] of Object.entries(ids)) { if (n > 1) problems.push('duplicate id: ' + id); }
  return problems;
}"""


def sign_in_through_the_provider(page, user: str) -> None:
    """The OIDC authorization-code flow: our button, the provider's page, back to our first page."""
    page.locator("#log-ind").click()
    page.wait_for_url("**/dev-idp/authorize?*")
    page.locator(f'button[data-user="{user}"]').click()
    page.wait_for_url(lambda url: "/log-ind" not in url and "/dev-idp" not in url)
    page.wait_for_load_state()


class User:
    """One signed-in person in a browser context of their own."""

    def __init__(self, browser, web_url: str, user: str, timings: list[dict]) -> None:
        self.base, self.timings = web_url, timings
        self.context = browser.new_context(locale="da-DK", viewport={"width": 1280, "height": 900})
        self.page = self.context.new_page()
        self.page.set_default_timeout(15_000)
        self.goto("/log-ind")
        sign_in_through_the_provider(self.page, user)
        self.record()

    def goto(self, path: str) -> None:
        self.page.goto(self.base + path)
        self.record()

    def submit(self, button: str) -> None:
        with self.page.expect_navigation():
            self.page.get_by_role("button", name=button, exact=True).click()
        self.record()

    def record(self) -> None:
        # A page may move on by itself (the receipt opens the case once it exists): time the page it
        # lands on.
        for _ in range(5):
            try:
                self.timings.append(self.page.evaluate(NAV_TIMING))
                return
            except PlaywrightError as exc:
                if "Execution context was destroyed" not in str(exc):
                    raise
                self.page.wait_for_load_state()
        raise AssertionError("the page kept navigating")

    def shot(self, name: str) -> None:
        """A screenshot of the page, after checking the accessibility basics on it."""
        assert self.page.evaluate(A11Y_BASICS) == [], name
        SHOTS.mkdir(parents=True, exist_ok=True)
        self.page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)

    def close(self) -> None:
        self.context.close()


@pytest.fixture
def sign_in(browser, web_url: str, timings: list[dict]):
    opened: list[User] = []

    def open_as(user: str) -> User:
        session = User(browser, web_url, user, timings)
        opened.append(session)
        return session

    yield open_as
    for session in opened:
        session.close()


def fifteen_year_old_cpr() -> str:
    """A new person each run (the suite may run against a long-lived ``make run``)."""
    born = datetime.now(UTC) - timedelta(days=int(15 * 365.25) + secrets.randbelow(300))
    return samples.cpr_for(born, secrets.randbelow(1000))


PERSON_CPR = fifteen_year_old_cpr()  # found again by the art. 15 request


def test_a_concern_through_the_whole_workflow(sign_in):
    ssp = sign_in("ssp_coordinator")
    page = ssp.page
    assert page.url.endswith("/sager")
    assert "Sanne Sørensen" in page.locator("header").inner_text()

    # Take the concern by phone.
    ssp.goto("/henvendelser/ny")
    assert page.locator("html").get_attribute("lang") == "da"
    page.fill("#person-name", "Åse Ærøskøbing-Jørgensen")
    page.fill("#person-cpr", PERSON_CPR)
    page.fill("#person-area", "Aars")
    page.fill("#person-nationality", "dansk")
    page.fill("#person-school-work", "9. klasse på Aars Skole; fravær stigende siden efterårsferien.")
    page.fill("#description", "Eleven har tegnet ekstremistiske symboler i sine hæfter og udtrykt støtte til vold "
                              "mod 'de andre'. Læreren er bekymret for hans trivsel og hans nye venner.")
    page.check("#concern-signs-extremist-symbols")
    page.check("#concern-signs-spreads-violent-messages")
    page.select_option("#channel", "phone")
    page.select_option("#source-category", "public_school")
    page.fill("#reporter-name", "Søren Ærø")
    page.fill("#reporter-organisation", "Aars Skole")
    page.fill("#reporter-role", "lærer")
    ssp.shot("02-ny-henvendelse")
    ssp.submit("Registrér henvendelsen")

    # The receipt opens the case as soon as assessment has it (Kafka in between).
    page.wait_for_url("**/sager/*", timeout=30_000)
    ssp.record()
    case_path = "/" + page.url.split("/", 3)[3].split("#")[0]
    assert uuid.UUID(case_path.rsplit("/", 1)[1])
    assert "Åse Ærøskøbing-Jørgensen" in page.content()
    assert "Husk underretning" in page.content()  # under 18
    ssp.shot("03-sag-modtaget")
    ssp.submit("Underretning er lavet")
    assert "Der er lavet en underretning." in page.locator("#underretning").inner_text()

    # Initial assessment: upheld.
    page.check("#approach-joint-with-police-coordinator")
    page.check("#outcome-upheld")
    ssp.submit("Gem indledende vurdering")
    assert "Den indledende vurdering er gemt." in page.content()
    assert page.locator(".badges .badge").first.inner_text() == "Berigelse"

    # Enrichment request to social services (under 18), with the necessity reason § 115 asks for.
    page.select_option("#authority", "social_services_u18")
    page.fill("#necessity-reason", "Vi skal vide, om familien allerede har en sag i Børne- og Familierådgivningen, "
                                   "for at vælge den rette forebyggende indsats.")
    page.check("#data-classes-social")
    ssp.submit("Send anmodning")
    assert "Anmodningen om berigelse er sendt" in page.content()
    assert "Afventer svar" in page.locator("#berigelse").inner_text()
    ssp.shot("04-sag-berigelse")

    # The caseworker at social services answers it.
    social = sign_in("authority_caseworker")
    assert social.page.url.endswith("/forespoergsler")
    request = social.page.locator("article.request", has_text=f"Sag {case_path.rsplit('/', 1)[1][:8]}")
    request.locator("textarea").fill("Familien har haft en sag i 2024 om mistrivsel; den er lukket. "
                                     "Mor er samarbejdsvillig.")
    social.shot("05-forespoergsler")
    with social.page.expect_navigation():
        request.get_by_role("button", name="Send svar").click()
    social.record()
    assert "Svaret er sendt til infohuset." in social.page.content()

    # Back at the SSP coordinator: the answer is on the case; assess with the tool at a high level.
    ssp.goto(case_path)
    assert "Familien har haft en sag i 2024" in page.locator("#berigelse").inner_text()
    page.check("#dim-convictions-rhetoric-tag-risk")
    page.fill("#dim-convictions-rhetoric-note", "Deler voldsforherligende opslag og tegner symboler.")
    page.check("#dim-family-tag-resource")
    page.fill("#dim-family-note", "Mor er støttende og samarbejdsvillig.")
    page.check("#dim-education-employment-tag-risk")
    page.fill("#dim-education-employment-note", "Stigende fravær fra skolen.")
    page.check("#concern-level-hoej")
    page.fill("#security-aspect", "Ingen konkrete planer om vold, men tiltagende retorik.")
    page.fill("#social-aspect", "Trives dårligt socialt og søger fællesskab online.")
    ssp.shot("06-vurderingsvaerktoej")
    ssp.submit("Gem vurdering")
    assert "Bekymringsniveau: Høj" in page.locator("#vurdering").inner_text()

    # The decision: at a high level it stands only once leadership approves.
    page.check("#effort-level-intervening")
    page.check("#measures-concern-conversation")
    page.check("#measures-mentor")
    page.check("#report-to-pet")
    ssp.submit("Gem beslutning")
    assert "Afventer ledelsens godkendelse" in page.locator("#beslutning").inner_text()
    assert page.get_by_role("button", name="Godkend beslutningen").count() == 0
    ssp.shot("07-beslutning-afventer-ledelsen")

    # A regular meeting: its agenda is the open cases.
    ssp.goto("/moeder")
    page.check("#kind-regular")
    ssp.submit("Indkald")
    assert "Mødet er indkaldt" in page.content()
    assert page.locator(f'.meeting a[href="{case_path}"]').count() >= 1

    leader = sign_in("leadership")
    leader.goto(case_path)
    leader.submit("Godkend beslutningen")
    assert "Beslutningen er godkendt" in leader.page.content()
    assert "Godkendt af ledelsen" in leader.page.locator("#beslutning").inner_text()
    leader.submit("Godkend indberetning til PET (anden person)")  # the second person: not the one who decided
    assert "Godkendt af anden person" in leader.page.locator("#beslutning").inner_text()
    leader.shot("08-beslutning-godkendt")
    leader.goto("/moeder")
    leader.shot("11-moeder")
    leader.goto("/statistik")
    assert leader.page.locator("svg.chart").count() >= 3
    leader.shot("12-statistik")

    # Follow-up by the SSP coordinator.
    ssp.goto(case_path)
    page.fill("#note", "Bekymringssamtale holdt med Åse og mor; mentor er fundet i idrætsklubben.")
    ssp.submit("Gem opfølgning")
    assert "Opfølgningen er gemt." in page.content()
    assert page.locator(".badges .badge").first.inner_text() == "Opfølgning"
    timeline = page.locator("#forloeb").inner_text()
    for step in ("Sagen er oprettet", "Indledende vurdering", "Berigelse anmodet", "Berigelse besvaret",
                 "Vurdering med værktøjet", "Beslutning truffet", "Godkendt af ledelsen", "Opfølgning"):
        assert step in timeline, step
    ssp.shot("09-sag-opfoelgning")
    ssp.goto("/sager?status=follow_up")
    row = page.locator("tr", has=page.locator(f'a[href="{case_path}"]'))
    assert row.count() == 1 and "Åse Ærøskøbing-Jørgensen" in row.inner_text()
    ssp.shot("01-sagsliste")
    # Page times are recorded (test-output/web-timings.json), not asserted: benchmarks measure speed.

    # Need to know: a network member and another authority's caseworker cannot open the case.
    for user, shot in (("network_member", "13-afvist-netvaerksmedlem"), ("authority_caseworker_jobcenter",
                                                                          "14-afvist-jobcenter")):
        other = sign_in(user)
        response = other.page.goto(other.base + case_path)
        other.record()
        assert response is not None and response.status == 403, user
        refusal = other.page.locator(".refusal").inner_text()
        assert "Du har ikke adgang: " in refusal, user
        reason = refusal.split("Du har ikke adgang: ", 1)[1].strip()
        # The policy's own reason, in Danish: only these roles may read a case.
        assert reason.startswith("Kun Ledelse, Politiets koordinator, SSP-koordinator har adgang"), (user, reason)
        assert other.page.locator('.refusal [lang="en"]').count() == 0, user
        assert "Åse" not in other.page.content()
        other.shot(shot)

    # The registration coordinator's restricted registry and the compliance officer's view.
    registrar = sign_in("registration_coordinator")
    concern_id = leader_concern_id(leader, case_path)
    registrar.goto("/registrering?aabne=ja")
    registrar.shot("15-grundregistreringer")
    registrar.page.locator(f'a[href="/registrering/{concern_id}"]').click()
    registrar.page.wait_for_url(f"**/registrering/{concern_id}")
    assert "Grundregistrering" in registrar.page.locator("h1").inner_text()
    assert "Aars" in registrar.page.locator("main").inner_text()
    registrar.shot("15-grundregistrering-en")
    dpo = sign_in("compliance_officer")
    dpo.goto("/compliance")
    dpo.page.fill("#concern-id", concern_id)
    dpo.page.select_option("#recipient-kind", "local_police")
    dpo.page.fill("#necessity-reason", "Politiet skal kende bekymringen for at kunne tilbyde en bekymringssamtale.")
    dpo.submit("Vis hvad der ville blive delt")
    preview = dpo.page.locator("#deling")
    assert "Intet er sendt" in preview.inner_text()
    dpo.shot("16-compliance-deling")
    dpo.page.fill("#subject-ref", concern_id)
    dpo.submit("Vis loggen")
    log = dpo.page.locator("#log").inner_text()
    assert "Oprettede henvendelse" in log and "Læste sagen" in log and "Afvist" in log  # the two refusals above
    dpo.shot("17-compliance-behandlingslog")
    dpo.page.fill("#cpr", PERSON_CPR)
    dpo.submit("Vis indsigt")
    access = dpo.page.locator("#indsigt").inner_text()
    assert "1 henvendelse om personen" in access and "Sanne Sørensen" in access and "Anmelder" in access
    dpo.shot("18-compliance-indsigt")
    with dpo.page.expect_download() as download:
        dpo.page.get_by_role("button", name="Hent udtræk (JSON)").click()
    assert download.value.suggested_filename == "indsigt-art15.json"
    export = json.loads(Path(download.value.path()).read_text(encoding="utf-8"))
    assert len(export["concern_ids"]) == 1 and "Åse Ærøskøbing-Jørgensen" in json.dumps(export, ensure_ascii=False)
    assert dpo.page.locator(".busy").count() == 0  # a download is not "work in progress" on the page


def leader_concern_id(leader: User, case_path: str) -> str:
    leader.goto(case_path)
    href = leader.page.locator('a[href^="/registrering/"]').get_attribute("href")
    return href.rsplit("/", 1)[1]


def test_the_intake_form_by_keyboard_alone(sign_in):
    ssp = sign_in("ssp_coordinator")
    ssp.goto("/henvendelser/ny")
    page = ssp.page
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.className") == "skip-link"
    page.keyboard.press("Enter")  # skip the menu
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.id") == "person-name"
    page.keyboard.type("Mikkel Østergaard")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    ssp.record()
    # Submitted without a description: the Danish error sits next to the field, and focus is on the summary.
    error = page.locator("#description-error")
    assert "Feltet skal udfyldes" in error.inner_text()
    assert "description-error" in page.locator("#description").get_attribute("aria-describedby")
    assert page.evaluate("document.activeElement.className").startswith("error-summary")
    assert page.locator("#person-name").input_value() == "Mikkel Østergaard"


def test_a_short_cpr_number_gets_a_danish_error_next_to_the_field(sign_in):
    ssp = sign_in("ssp_coordinator")
    ssp.goto("/henvendelser/ny")
    page = ssp.page
    page.fill("#person-name", "Ida Læsø")
    page.fill("#person-cpr", "12345")
    page.fill("#description", "Forældre er bekymrede: datteren ser voldsforherligende videoer.")
    page.select_option("#source-category", "parent_relative")
    ssp.submit("Registrér henvendelsen")
    assert page.locator("#person-cpr").get_attribute("aria-invalid") == "true"
    assert "CPR-nummeret skal være 10 cifre" in page.locator("#person-cpr-error").inner_text()
    assert "person-cpr-error" in page.locator("#person-cpr").get_attribute("aria-describedby")
    assert "12345" not in page.url
    ssp.shot("10-cpr-fejl")


def test_the_sign_in_page(browser, web_url, timings):
    context = browser.new_context(locale="da-DK", viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.goto(web_url + "/sager")
    assert page.url.endswith("/log-ind")
    timings.append(page.evaluate(NAV_TIMING))
    assert page.locator("h1").inner_text() == "Log ind"
    assert page.evaluate(A11Y_BASICS) == []
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / "00-log-ind.png"), full_page=True)
    cookie_flags = None
    page.locator("#log-ind").click()
    page.wait_for_url("**/dev-idp/authorize?*")
    assert page.locator("h1").inner_text() == "Vælg demobruger"
    assert page.evaluate(A11Y_BASICS) == []
    page.screenshot(path=str(SHOTS / "00-identitetsudbyder.png"), full_page=True)
    page.locator('button[data-user="ssp_coordinator"]').click()
    page.wait_for_url(lambda url: "/log-ind" not in url and "/dev-idp" not in url)
    page.wait_for_load_state()
    assert "Du er logget ind som Sanne Sørensen" in page.locator("main").inner_text()
    for cookie in context.cookies():
        if cookie["name"] == "infohus_session":
            cookie_flags = (cookie["httpOnly"], cookie["sameSite"])
    assert cookie_flags == (True, "Strict")
    context.close()
