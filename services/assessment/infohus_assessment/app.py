"""The assessment service."""

from fastapi import FastAPI

from infohus_platform.service import build_app

from .api import router
from .handlers import register_handlers
from .schedules import hourly
from .settings import AssessmentSettings
from .storage import TABLES


def create_app(settings: AssessmentSettings | None = None) -> FastAPI:
    return build_app(
        settings or AssessmentSettings(),
        title="Infohus assessment",
        tables=TABLES,
        routers=[router],
        register_handlers=register_handlers,
        background=[hourly],
    )
