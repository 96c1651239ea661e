"""The registry service."""

from fastapi import FastAPI

from infohus_contracts.case.topics import ALL_TOPICS
from infohus_platform.audit.subject_access import subject_access_router
from infohus_platform.service import build_app

from .api import routers
from .handlers import register_handlers
from .jobs import aggregates, daily
from .settings import RegistrySettings
from .storage import TABLES, subject_records


def create_app(settings: RegistrySettings | None = None) -> FastAPI:
    return build_app(
        settings or RegistrySettings(),
        title="Infohus registry",
        topics=ALL_TOPICS,
        tables=TABLES,
        routers=[*routers, subject_access_router(subject_records)],
        background=[daily, aggregates],
        register_handlers=register_handlers,
    )
