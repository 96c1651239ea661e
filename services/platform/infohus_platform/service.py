"""Composition root shared by the services: one lifespan owns the broker, OPA client and database."""

import asyncio
from collections.abc import Callable, Coroutine, Sequence
from contextlib import asynccontextmanager
from typing import Any

import structlog
from fastapi import APIRouter, Depends, FastAPI
from fastapi.responses import JSONResponse, Response
from fastapi.routing import APIRoute
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from pydantic import BaseModel
from sqlmodel import SQLModel
from tenacity import AsyncRetrying, retry_if_exception_type, wait_exponential

from infohus_contracts.base.topics import Topic
from infohus_platform import migrations, problems
from infohus_platform.audit.api import processing_log_router
from infohus_platform.audit.processing_log import ensure_head
from infohus_platform.auth import TokenVerifier
from infohus_platform.db import Database
from infohus_platform.exchange.inbound import subscribe_inbound
from infohus_platform.exchange.link import Exchange
from infohus_platform.limits import BodyLimit, plain_parameters
from infohus_platform.messaging.kafka import DeadLetters, make_broker
from infohus_platform.messaging.relay import OutboxRelay
from infohus_platform.observability import HttpMiddleware, Metrics, configure_logging
from infohus_platform.policy import PolicyClient
from infohus_platform.runtime import Runtime
from infohus_platform.settings import ServiceSettings

log = structlog.get_logger(__name__)


def build_app(
    settings: ServiceSettings,
    *,
    title: str,
    topics: tuple[Topic, ...],
    tables: Sequence[type[SQLModel]],
    routers: Sequence[APIRouter] = (),
    register_handlers: Callable[[Runtime], None] | None = None,
    background: Sequence[Callable[[Runtime], Coroutine[Any, Any, None]]] = (),
    metrics: Metrics | None = None,
) -> FastAPI:
    """A service: its HTTP app, and a lifespan that owns its broker, OPA client and database.

    ``topics`` is the catalogue the instance knows: the service publishes to those it produces and
    may subscribe only to those it consumes. ``metrics`` is a service's subclass of ``Metrics`` when it
    measures more than every service does.
    """
    configure_logging(settings.service_name, settings.log_level)
    metrics = metrics or Metrics()
    dead_letters = DeadLetters(settings, metrics, topics)
    broker = make_broker(settings, metrics, dead_letters)
    db = Database(settings.storage_url())
    policy = PolicyClient(settings.opa_url, timeout=settings.opa_timeout_seconds)
    broker_ready = asyncio.Event()
    publishers = {
        topic.name: broker.publisher(
            topic.qualified(settings.kafka_topic_prefix), schema=topic.schema, description=topic.description
        )
        for topic in topics
        if settings.service_name in topic.producers
    }
    district = settings.district()
    exchange = Exchange(settings, district) if district and settings.exchange_bootstrap_servers else None
    relay = OutboxRelay(settings, db, publishers, policy, metrics, broker_ready, exchange)
    runtime = Runtime(settings, db, broker, policy, metrics, relay, broker_ready, dead_letters, exchange)
    if register_handlers is not None:
        register_handlers(runtime)
    if exchange is not None:
        subscribe_inbound(runtime, exchange)

    async def connect_broker() -> None:
        # The HTTP side serves (and intake accepts concerns into its outbox) while Kafka is away.
        async for attempt in AsyncRetrying(
            wait=wait_exponential(multiplier=0.5, max=10), retry=retry_if_exception_type(Exception)
        ):
            with attempt:
                await broker.start()
        broker_ready.set()
        log.info("broker connected")

    async def connect_exchange(exchange: Exchange) -> None:
        async for attempt in AsyncRetrying(
            wait=wait_exponential(multiplier=0.5, max=10), retry=retry_if_exception_type(Exception)
        ):
            with attempt:
                await exchange.broker.start()
        exchange.ready.set()
        relay.wake()
        log.info("exchange cluster connected", district=exchange.district.district)

    @asynccontextmanager
    async def lifespan(app: FastAPI):
        await db.start()
        await db.run_sync(migrations.upgrade, f"infohus_{settings.service_name}",
                          [*tables, *migrations.platform_tables()])
        async with db.session() as session:
            await ensure_head(session)
        async with policy:
            connector = asyncio.create_task(connect_broker())
            exchange_connector = asyncio.create_task(connect_exchange(exchange)) if exchange else None
            relay_task = asyncio.create_task(relay.run())
            jobs = [asyncio.create_task(job(runtime)) for job in background]
            log.info("service started", port=settings.listen_port)
            try:
                yield
            finally:
                relay.stop()
                connector.cancel()
                connectors = [connector]
                if exchange_connector is not None:
                    exchange_connector.cancel()
                    connectors.append(exchange_connector)
                for job in jobs:
                    job.cancel()
                await asyncio.gather(relay_task, *connectors, *jobs, return_exceptions=True)
                await broker.stop()
                if exchange is not None:
                    await exchange.broker.stop()
        await db.dispose()

    app = FastAPI(title=title, lifespan=lifespan, version="1.0.0", dependencies=[Depends(plain_parameters)])
    app.state.runtime = runtime
    app.state.token_verifier = TokenVerifier.from_settings(settings)
    app.add_middleware(BodyLimit, limit_for=lambda scope: body_limit(settings, scope), page=problems.too_large_page)
    app.add_middleware(HttpMiddleware, requests=metrics.http_requests, latency=metrics.http_latency,
                       error_page=problems.page(500, "internal error"))
    problems.install(app, settings.max_validation_errors)
    app.include_router(_health_router(runtime))
    app.include_router(processing_log_router())
    for router in routers:
        app.include_router(router)
    return app


class HealthPublic(BaseModel):
    status: str


class ReadinessPublic(BaseModel):
    """Ready when the database, the broker and OPA are all reachable; ``checks`` says which is not."""

    status: str
    checks: dict[str, bool]


def _health_router(runtime: Runtime) -> APIRouter:
    router = APIRouter(tags=["health"])

    @router.get("/healthz")
    async def healthz() -> HealthPublic:
        return HealthPublic(status="ok")

    @router.get("/readyz", response_model=ReadinessPublic, responses={503: {"model": ReadinessPublic}})
    async def readyz() -> JSONResponse:
        broker_ok = runtime.broker_ready.is_set() and await runtime.broker.ping(timeout=2.0)
        checks = {
            "database": await runtime.db.ping(),
            "broker": broker_ok,
            "opa": await runtime.policy.healthy(),
        }
        if runtime.exchange is not None:  # a member of a district also needs its exchange cluster
            exchange = runtime.exchange
            checks["exchange"] = exchange.ready.is_set() and await exchange.broker.ping(timeout=2.0)
        ready = all(checks.values())
        body = {"status": "ready" if ready else "not ready", "checks": checks}
        return JSONResponse(body, status_code=200 if ready else 503)

    @router.get("/metrics", response_class=Response,
                responses={200: {"content": {CONTENT_TYPE_LATEST: {}}, "description": "Prometheus metrics"}})
    async def metrics() -> Response:
        return Response(generate_latest(runtime.metrics.registry), media_type=CONTENT_TYPE_LATEST)

    return router


def body_limit(settings: ServiceSettings, scope: Any) -> int:
    """A route whose body FastAPI reads into a model gets ``max_request_bytes``; a route that reads the
    raw body itself (no body model) enforces its own limit, under the ceiling ``max_upload_bytes``."""
    route = scope.get("route")
    if isinstance(route, APIRoute) and route.body_field is None:
        return settings.max_upload_bytes
    return settings.max_request_bytes
