"""The network service: the district forum (Infohus Netværk). It never sees a case."""

from fastapi import FastAPI

from infohus_contracts.base.topics import NETWORK_TOPICS
from infohus_platform.service import build_app

from .api import routers
from .handlers import register_handlers
from .metrics import NetworkMetrics
from .settings import NetworkSettings
from .storage import TABLES


def create_app(settings: NetworkSettings | None = None) -> FastAPI:
    return build_app(
        settings or NetworkSettings(),
        title="Infohus network",
        topics=NETWORK_TOPICS,
        tables=TABLES,
        routers=routers,
        register_handlers=register_handlers,
        metrics=NetworkMetrics(),
    )
