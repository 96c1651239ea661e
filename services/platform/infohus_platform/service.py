"""Composition root shared by the services: one lifespan owns the broker, OPA client and database."""

import asyncio
from collections.abc import Awaitable, Callable, Sequence
from contextlib import asynccontextmanager

import structlog
from fastapi import APIRouter, FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from sqlmodel import SQLModel
from tenacity import AsyncRetrying, retry_if_exception_type, wait_exponential

from infohus_contracts.topics import ALL_TOPICS

from .auth import TokenVerifier, processing_log_router
from .db import Database
from .kafka import DeadLetters, make_broker
from .messaging import MESSAGING_TABLES, OutboxRelay
from .processing_log import PROCESSING_LOG_TABLES, ensure_head
from .observability import HttpMiddleware, Metrics, configure_logging
from .erasure import ERASURE_TABLES
from .errors import RuleViolation, ShareRefused
from .policy import PolicyClient, PolicyUnavailable
from .runtime import Runtime
from .settings import ServiceSettings, jwks_location

log = structlog.get_logger(__name__)


def build_app(
    settings: ServiceSettings,
    *,
    title: str,
    tables: Sequence[type[SQLModel]],
    routers: Sequence[APIRouter] = (),
    register_handlers: Callable[[Runtime], None] | None = None,
    background: Sequence[Callable[[Runtime], Awaitable[None]]] = (),
) -> FastAPI:
    configure_logging(settings.service_name, settings.log_level)
    metrics = Metrics(settings.service_name)
    dead_letters = DeadLetters(settings, metrics)
    broker = make_broker(settings, metrics, dead_letters)
    db = Database(settings.storage_url())
    policy = PolicyClient(settings.opa_url, timeout=settings.opa_timeout_seconds)
    broker_ready = asyncio.Event()
    publishers = {
        topic.name: broker.publisher(
            topic.qualified(settings.kafka_topic_prefix), schema=topic.schema, description=topic.description
        )
        for topic in ALL_TOPICS
        if settings.service_name in topic.producers
    }
    relay = OutboxRelay(settings, db, publishers, policy, metrics, broker_ready)
    runtime = Runtime(settings, db, broker, policy, metrics, relay, broker_ready)
    if register_handlers is not None:
        register_handlers(runtime)

    async def connect_broker() -> None:
        # The HTTP side serves (and intake accepts concerns into its outbox) while Kafka is away.
        async for attempt in AsyncRetrying(
            wait=wait_exponential(multiplier=0.5, max=10), retry=retry_if_exception_type(Exception)
        ):
            with attempt:
                await broker.start()
        broker_ready.set()
        log.info("broker connected")

    @asynccontextmanager
    async def lifespan(app: FastAPI):
        await db.start(f"infohus_{settings.service_name}", [*tables, *MESSAGING_TABLES, *PROCESSING_LOG_TABLES,
                                                            *ERASURE_TABLES])
        async with db.session() as session:
            await ensure_head(session)
        async with policy:
            connector = asyncio.create_task(connect_broker())
            relay_task = asyncio.create_task(relay.run())
            jobs = [asyncio.create_task(job(runtime)) for job in background]
            log.info("service started", port=settings.listen_port)
            try:
                yield
            finally:
                relay.stop()
                connector.cancel()
                for job in jobs:
                    job.cancel()
                await asyncio.gather(relay_task, connector, *jobs, return_exceptions=True)
                await broker.stop()
        await db.dispose()

    app = FastAPI(title=title, lifespan=lifespan, version="1.0.0")
    app.state.runtime = runtime
    app.state.token_verifier = TokenVerifier(jwks_location(settings), settings.oidc_issuer, settings.oidc_audience)
    app.add_middleware(HttpMiddleware, requests=metrics.http_requests, latency=metrics.http_latency)
    _install_error_handlers(app)
    app.include_router(_health_router(runtime))
    app.include_router(processing_log_router())
    for router in routers:
        app.include_router(router)
    return app


def _health_router(runtime: Runtime) -> APIRouter:
    router = APIRouter(tags=["health"])

    @router.get("/healthz")
    async def healthz() -> dict[str, str]:
        return {"status": "ok"}

    @router.get("/readyz")
    async def readyz() -> JSONResponse:
        broker_ok = runtime.broker_ready.is_set() and await runtime.broker.ping(timeout=2.0)
        checks = {
            "database": await runtime.db.ping(),
            "broker": broker_ok,
            "opa": await runtime.policy.healthy(),
        }
        ready = all(checks.values())
        body = {"status": "ready" if ready else "not ready", "checks": checks}
        return JSONResponse(body, status_code=200 if ready else 503)

    @router.get("/metrics")
    async def metrics() -> Response:
        return Response(generate_latest(runtime.metrics.registry), media_type=CONTENT_TYPE_LATEST)

    return router


def _install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(RequestValidationError)
    async def validation_error(_: Request, exc: RequestValidationError) -> JSONResponse:
        # Field and reason only: the rejected value is never echoed (it may be a CPR number).
        errors = [
            {
                "field": ".".join(str(p) for p in err["loc"] if p not in ("body", "query", "path", "header")),
                "reason": err["msg"],
                "type": err["type"],
            }
            for err in exc.errors()
        ]
        return JSONResponse({"detail": "invalid request", "errors": errors}, status_code=422)

    @app.exception_handler(RuleViolation)
    async def rule_violation(_: Request, exc: RuleViolation) -> JSONResponse:
        return JSONResponse({"detail": "invalid request", "errors": [{"field": exc.field, "reason": exc.reason,
                                                                      "type": "rule"}]}, status_code=422)

    @app.exception_handler(ShareRefused)
    async def share_refused(_: Request, exc: ShareRefused) -> JSONResponse:
        return JSONResponse({"detail": {"reasons": exc.reasons, "decision_id": exc.decision_id}}, status_code=403)

    @app.exception_handler(PolicyUnavailable)
    async def policy_unavailable(_: Request, exc: PolicyUnavailable) -> JSONResponse:
        return JSONResponse({"detail": "the policy service cannot be asked right now; nothing was shared"},
                            status_code=503)
