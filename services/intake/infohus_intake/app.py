"""The intake service."""

from fastapi import FastAPI

from infohus_contracts.case.topics import ALL_TOPICS
from infohus_platform.audit.subject_access import subject_access_router
from infohus_platform.service import build_app

from .api import routers
from .handlers import register_handlers
from .settings import IntakeSettings
from .storage import TABLES, find_by_cpr, subject_records


def create_app(settings: IntakeSettings | None = None) -> FastAPI:
    return build_app(
        settings or IntakeSettings(),
        title="Infohus intake",
        topics=ALL_TOPICS,
        tables=TABLES,
        routers=[*routers, subject_access_router(subject_records, find_by_cpr)],
        register_handlers=register_handlers,
    )
