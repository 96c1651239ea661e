"""The network service: the district forum (Infohus Netværk). It never sees a case."""

import structlog
from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse

from infohus_platform.policy import KThreshold
from infohus_platform.runtime import Runtime
from infohus_platform.service import build_app

from .api import router
from .domain import RuleViolation
from .forum import NotFound
from .freetext import FreeTextRefused
from .handlers import register_handlers
from .metrics import NetworkMetrics
from .settings import NetworkSettings
from .storage import TABLES

log = structlog.get_logger(__name__)


def create_app(settings: NetworkSettings | None = None) -> FastAPI:
    made: dict[str, object] = {}

    def register(runtime: Runtime) -> None:
        made["metrics"] = NetworkMetrics(runtime.metrics.registry)
        made["k"] = KThreshold(runtime.policy, runtime.settings.default_k_threshold)
        register_handlers(runtime, made["metrics"])  # type: ignore[arg-type]

    app = build_app(
        settings or NetworkSettings(),
        title="Infohus network",
        tables=TABLES,
        routers=[router],
        register_handlers=register,
    )
    metrics: NetworkMetrics = made["metrics"]  # type: ignore[assignment]
    app.state.k_threshold = made["k"]

    @app.exception_handler(FreeTextRefused)
    async def refused(_: Request, exc: FreeTextRefused) -> JSONResponse:
        # Counted and logged by kind and field only; the text is never logged or echoed.
        metrics.refusals.labels(exc.kind.value).inc()
        log.info("free text refused", field=exc.field, kind=exc.kind.value)
        return _invalid(exc.field, exc.reason, f"free_text.{exc.kind.value}", 422)

    @app.exception_handler(RuleViolation)
    async def rule_violation(_: Request, exc: RuleViolation) -> JSONResponse:
        return _invalid(exc.field, exc.reason, "rule", exc.status)

    @app.exception_handler(NotFound)
    async def not_found(_: Request, exc: NotFound) -> JSONResponse:
        return JSONResponse({"detail": f"no such {exc.what}"}, status_code=404)

    return app


def _invalid(field: str, reason: str, kind: str, status: int) -> JSONResponse:
    """The same shape as the platform's validation errors."""
    return JSONResponse({"detail": "invalid request", "errors": [{"field": field, "reason": reason, "type": kind}]},
                        status_code=status)
