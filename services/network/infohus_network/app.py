"""The network service."""

from fastapi import FastAPI

from infohus_platform.service import build_app

from .api import router
from .handlers import register_handlers
from .settings import NetworkSettings
from .storage import TABLES


def create_app(settings: NetworkSettings | None = None) -> FastAPI:
    return build_app(
        settings or NetworkSettings(),
        title="Infohus network",
        tables=TABLES,
        routers=[router],
        register_handlers=register_handlers,
        dead_letter_payload=False,  # a refused message may carry case data: it is not copied anywhere
    )
