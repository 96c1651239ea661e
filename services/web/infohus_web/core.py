"""What every page shares: the session, the Danish templates, the menu by role, timing and security headers."""

import time
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

import jinja2
from fastapi import Request
from fastapi.responses import HTMLResponse, RedirectResponse
from prometheus_client import Counter, Histogram
from starlette.datastructures import FormData
from starlette.types import Scope

from infohus_contracts.base.municipalities import municipality_name, police_districts
from infohus_platform.limits import BodyLimit, RateLimiter
from infohus_platform.observability import HttpMiddleware, MetricRegistry

from . import labels
from .client import ApiResult, Services
from .messages import reason_html
from .oidc import OidcClient
from .sessions import COOKIE, Session, SessionStore
from .settings import WebSettings

LOCAL_TIME = ZoneInfo("Europe/Copenhagen")
PAGE_BUCKETS = (0.005, 0.01, 0.02, 0.03, 0.05, 0.075, 0.1, 0.15, 0.2, 0.3, 0.5, 1.0, 2.0)

# The menu is a convenience: it shows each role the pages its work needs. It decides nothing; the
# services ask OPA on every call, and a page a role may not see shows the policy's refusal.
NAV: list[tuple[str, str, set[str]]] = [
    ("/sager", "Sager", {"ssp_coordinator", "police_coordinator", "leadership"}),
    ("/henvendelser/ny", "Ny henvendelse", {"ssp_coordinator", "police_coordinator"}),
    ("/forespoergsler", "Forespørgsler", {"authority_caseworker", "ssp_coordinator", "police_coordinator"}),
    ("/moeder", "Møder", {"ssp_coordinator", "police_coordinator", "leadership"}),
    ("/registrering", "Grundregistrering", {"registration_coordinator", "leadership"}),
    ("/statistik", "Statistik", {"registration_coordinator", "leadership"}),
    ("/compliance", "Behandlingslog og deling", {"compliance_officer"}),
]


class LoginRequired(Exception):
    pass


class FormExpired(Exception):
    pass


@dataclass
class Web:
    settings: WebSettings
    services: Services
    sessions: SessionStore
    oidc: OidcClient
    templates: jinja2.Environment
    metrics: MetricRegistry
    page_seconds: Histogram
    template_seconds: Histogram
    requests: Counter
    sign_in_starts: RateLimiter


def make_web(settings: WebSettings) -> Web:
    metrics = MetricRegistry()
    env = jinja2.Environment(
        loader=jinja2.PackageLoader("infohus_web", "templates"),
        autoescape=jinja2.select_autoescape(["html"]),
        trim_blocks=True, lstrip_blocks=True, undefined=jinja2.ChainableUndefined,
    )
    env.filters["dt"] = format_datetime
    env.filters["d"] = format_date
    env.filters["dts"] = lambda value: format_datetime(value, seconds=True)
    env.filters["short"] = lambda value: str(value or "")[:8]
    env.globals.update(L=labels.ALL, label=labels.label, action_label=labels.action_label, reason_text=reason_html,
                       municipality_name=municipality_name,
                       fid=lambda name: str(name).replace(".", "-").replace("_", "-"))
    return Web(
        settings=settings,
        services=Services(settings, metrics),
        sessions=SessionStore(settings.session_ttl_seconds),
        oidc=OidcClient(settings),
        templates=env,
        metrics=metrics,
        page_seconds=metrics.histogram("infohus_web_page_seconds", "Time to produce a page, API calls included",
                                       ["route", "method"], buckets=PAGE_BUCKETS),
        template_seconds=metrics.histogram("infohus_web_template_seconds", "Time to render a template",
                                           ["template"], buckets=PAGE_BUCKETS),
        requests=metrics.counter("infohus_web_requests_total", "Requests to the web interface",
                                 ["route", "method", "status"]),
        sign_in_starts=RateLimiter(settings.sign_in_per_minute, settings.sign_in_burst),
    )


def web_of(request: Request) -> Web:
    return request.app.state.web


def session_of(request: Request) -> Session | None:
    session = web_of(request).sessions.get(request.cookies.get(COOKIE))
    request.state.session = session
    return session


def require_session(request: Request) -> Session:
    session = session_of(request)
    if session is None:
        raise LoginRequired()
    return session


async def checked_form(request: Request, session: Session) -> FormData:
    """The posted form, after its CSRF token matched the session's (SameSite=Strict is the first line)."""
    form = await request.form()
    if form.get("csrf") != session.csrf:
        raise FormExpired()
    return form


def nav_for(session: Session | None) -> list[tuple[str, str]]:
    if session is None:
        return []
    return [(href, text) for href, text, roles in NAV if session.has_role(*roles)]


def home_for(session: Session) -> str:
    items = nav_for(session)
    return items[0][0] if items else "/"


def render(request: Request, template: str, *, title: str, status: int = 200, **context: Any) -> HTMLResponse:
    web = web_of(request)
    session: Session | None = getattr(request.state, "session", None)
    started = time.perf_counter()
    html = web.templates.get_template(template).render(
        title=title, session=session, user=session.user if session else None, nav=nav_for(session),
        current=request.url.path, flash=session.take_flash() if session else [],
        csrf=session.csrf if session else "",
        org_name=_org_name(session), **context,
    )
    web.template_seconds.labels(template).observe(time.perf_counter() - started)
    return HTMLResponse(html, status_code=status)


def refused(request: Request, result: ApiResult, *, title: str = "Ingen adgang", what: str = "") -> HTMLResponse:
    """A refusal page: the service's (OPA's) reasons under a Danish heading."""
    if result.refused:
        return render(request, "refusal.html", title=title, status=403, reasons=result.reasons, what=what)
    return problem_page(request, "Noget gik galt", result.problem(), status=result.failure_status, what=what)


def problem_page(request: Request, title: str, message: str, *, status: int, what: str = "") -> HTMLResponse:
    """A page with one Danish sentence about what went wrong."""
    return render(request, "problem.html", title=title, status=status, message=message, what=what)


def redirect(url: str) -> RedirectResponse:
    return RedirectResponse(url, status_code=303)


def format_datetime(value: Any, seconds: bool = False) -> str:
    moment = parse_datetime(value)
    if moment is None:
        return "–" if not value else str(value)
    return moment.astimezone(LOCAL_TIME).strftime("%d-%m-%Y %H:%M:%S" if seconds else "%d-%m-%Y kl. %H:%M")


def format_date(value: Any) -> str:
    if not value:
        return "–"
    try:
        return date.fromisoformat(str(value)[:10]).strftime("%d-%m-%Y")
    except ValueError:
        return str(value)


def local_time_iso(value: str) -> str:
    """A ``datetime-local`` form value (Danish local time) as the aware timestamp the API wants.

    A value that is not a time is passed on as typed: the service says why.
    """
    try:
        return datetime.fromisoformat(value).replace(tzinfo=LOCAL_TIME).isoformat()
    except ValueError:
        return value


def parse_datetime(value: Any) -> datetime | None:
    if isinstance(value, datetime):
        moment = value
    else:
        try:
            moment = datetime.fromisoformat(str(value).replace("Z", "+00:00"))
        except (TypeError, ValueError):
            return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=ZoneInfo("UTC"))
    return moment


def _org_name(session: Session | None) -> str:
    if session is None:
        return ""
    code = session.user.get("municipality_code")
    if code and "police_coordinator" not in session.roles:
        return f"{municipality_name(str(code)) or code} Kommune"
    district = session.user.get("police_district")
    if district:
        return police_districts().get(district, {}).get("name", district)
    return ""


ERROR_PAGE = """<!doctype html><html lang="da"><head><meta charset="utf-8"><title>Noget gik galt – Infohus</title>
<link rel="stylesheet" href="/static/web.css"></head><body><main id="indhold"><h1>Noget gik galt</h1>
<div class="problem" role="alert"><p>Siden kunne ikke vises. Intet er gemt. Prøv igen; kontakt driften, hvis fejlen
bliver ved.</p></div><p><a href="/">Til forsiden</a></p></main></body></html>"""


CSP = ("default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
       "form-action 'self'; frame-ancestors 'none'; base-uri 'none'; object-src 'none'")


def _is_page(path: str) -> bool:
    return not path.startswith("/static/")


def page_headers(scope: Scope, elapsed_ms: float, hsts: str | None = None) -> list[tuple[bytes, bytes]]:
    """``Server-Timing`` and the security headers (HSTS when configured); pages (not static files) are
    never cached."""
    headers = [
        (b"server-timing", f"app;dur={elapsed_ms:.1f}".encode()),
        (b"x-content-type-options", b"nosniff"),
        (b"referrer-policy", b"no-referrer"),
        (b"x-frame-options", b"DENY"),
    ]
    if hsts:
        headers.append((b"strict-transport-security", hsts.encode()))
    if _is_page(scope.get("path", "")):
        headers += [(b"content-security-policy", CSP.encode()), (b"cache-control", b"no-store")]
    return headers


TOO_LARGE_PAGE = """<!doctype html><html lang="da"><head><meta charset="utf-8"><title>For stor – Infohus</title>
<link rel="stylesheet" href="/static/web.css"></head><body><main id="indhold"><h1>Det sendte er for stort</h1>
<div class="problem" role="alert"><p>Det, du sendte, er større end tilladt. Intet er gemt. Gå tilbage, gør teksten
kortere og prøv igen.</p></div><p><a href="/">Til forsiden</a></p></main></body></html>"""


def add_page_middleware(app: Any, web: Web) -> None:
    """The platform's HTTP middleware with the gateway's page headers, metrics and Danish error page,
    and the body limit (413 as a Danish page)."""
    app.add_middleware(BodyLimit, limit_for=lambda scope: web.settings.max_request_bytes,
                       page=lambda limit: (b"text/html; charset=utf-8", TOO_LARGE_PAGE.encode()))
    app.add_middleware(HttpMiddleware, requests=web.requests, latency=web.page_seconds,
                       error_page=(b"text/html; charset=utf-8", ERROR_PAGE.encode()),
                       extra_headers=lambda scope, ms: page_headers(scope, ms, web.settings.hsts), measured=_is_page)
