"""The intake service."""

from fastapi import FastAPI

from infohus_platform.service import build_app

from .api import router
from .settings import IntakeSettings
from .storage import TABLES


def create_app(settings: IntakeSettings | None = None) -> FastAPI:
    return build_app(
        settings or IntakeSettings(),
        title="Infohus intake",
        tables=TABLES,
        routers=[router],
    )
