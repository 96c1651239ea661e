"""The notify service."""

from fastapi import FastAPI

from infohus_platform.service import build_app

from .api import router
from .handlers import register_handlers
from .settings import NotifySettings
from .storage import TABLES


def create_app(settings: NotifySettings | None = None) -> FastAPI:
    return build_app(
        settings or NotifySettings(),
        title="Infohus notify",
        tables=TABLES,
        routers=[router],
        register_handlers=register_handlers,
    )
