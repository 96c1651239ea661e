"""The web gateway: Danish pages for the municipal infohus over the five services' APIs.

Not built with ``build_app``: the gateway has no database, no broker and asks OPA nothing itself
(every service does that on each call). It is ready when the five services answer ``/healthz``.
"""

import asyncio
import logging
from contextlib import asynccontextmanager
from importlib.resources import files

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from fastapi.staticfiles import StaticFiles
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from starlette.exceptions import HTTPException as StarletteHTTPException

from infohus_platform.observability import configure_logging

from . import auth, devidp
from .client import SignedOut
from .core import FormExpired, LoginRequired, add_page_middleware, make_web, problem_page, redirect, session_of, web_of
from .pages import cases, compliance, home, intake, meetings, registrations, requests, statistics
from .sessions import COOKIE
from .settings import WebSettings


def create_app(settings: WebSettings | None = None) -> FastAPI:
    settings = settings or WebSettings()
    configure_logging(settings.service_name, settings.log_level)
    logging.getLogger("httpx").setLevel(logging.WARNING)  # one line per API call is noise, not a record
    web = make_web(settings)

    @asynccontextmanager
    async def lifespan(app: FastAPI):
        await web.services.start()
        try:
            yield
        finally:
            await web.services.stop()
            await web.oidc.close()

    app = FastAPI(title="Infohus web", lifespan=lifespan, version="1.0.0", docs_url=None, redoc_url=None,
                  openapi_url=None)
    app.state.web = web
    add_page_middleware(app, web)
    app.mount("/static", StaticFiles(directory=str(files("infohus_web").joinpath("static"))), name="static")

    @app.get("/healthz", include_in_schema=False)
    async def healthz() -> dict[str, str]:
        return {"status": "ok"}

    @app.get("/readyz", include_in_schema=False)
    async def readyz() -> JSONResponse:
        names = settings.instance_services
        answers = await asyncio.gather(*[web.services.healthy(name) for name in names])
        checks = dict(zip(names, answers, strict=True))
        ready = all(checks.values())
        return JSONResponse({"status": "ready" if ready else "not ready", "checks": checks},
                            status_code=200 if ready else 503)

    @app.get("/metrics", include_in_schema=False)
    async def metrics() -> Response:
        return Response(generate_latest(web.metrics.registry), media_type=CONTENT_TYPE_LATEST)

    for module in (auth, home, intake, cases, requests, meetings, registrations, statistics, compliance):
        app.include_router(module.router)
    if settings.dev_login:
        app.state.dev_idp_grants = {}
        app.include_router(devidp.router)
    _install_handlers(app)
    return app


def _install_handlers(app: FastAPI) -> None:
    @app.exception_handler(LoginRequired)
    async def login_required(request: Request, _: LoginRequired) -> Response:
        return redirect("/log-ind")

    @app.exception_handler(SignedOut)
    async def signed_out(request: Request, _: SignedOut) -> Response:
        web_of(request).sessions.drop(request.cookies.get(COOKIE))
        response = redirect("/log-ind?besked=udloebet")
        response.delete_cookie(COOKIE, path="/")
        return response

    @app.exception_handler(FormExpired)
    async def form_expired(request: Request, _: FormExpired) -> Response:
        session_of(request)
        return problem_page(request, "Formularen er udløbet", "Formularen er udløbet eller kom ikke fra denne side. "
                            "Gå tilbage, genindlæs siden og prøv igen.", status=400)

    @app.exception_handler(RequestValidationError)
    async def bad_address(request: Request, _: RequestValidationError) -> Response:
        session_of(request)
        return problem_page(request, "Siden findes ikke",
                            "Adressen er ikke gyldig. Brug menuen for at finde det, du leder efter.", status=404)

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException) -> Response:
        session_of(request)
        if exc.status_code == 404:
            return problem_page(request, "Siden findes ikke",
                                "Siden findes ikke. Brug menuen for at finde det, du leder efter.", status=404)
        if exc.status_code == 413:
            return problem_page(request, "Det sendte er for stort",
                                "Det, du sendte, er større end tilladt. Intet er gemt. Gør teksten kortere og prøv "
                                "igen.", status=413)
        return problem_page(request, "Noget gik galt", "Siden kunne ikke vises.", status=exc.status_code)
