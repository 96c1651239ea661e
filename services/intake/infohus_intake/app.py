"""The intake service."""

from fastapi import FastAPI

from infohus_platform.erasure import register_erasure
from infohus_platform.service import build_app

from .api import router
from .settings import IntakeSettings
from .storage import TABLES, erasure_deletes


def create_app(settings: IntakeSettings | None = None) -> FastAPI:
    return build_app(
        settings or IntakeSettings(),
        title="Infohus intake",
        tables=TABLES,
        routers=[router],
        register_handlers=lambda runtime: register_erasure(runtime, erasure_deletes),
    )
