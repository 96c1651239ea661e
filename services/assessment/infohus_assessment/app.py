"""The assessment service: composition only."""

from fastapi import FastAPI

from infohus_contracts.case.topics import ALL_TOPICS
from infohus_platform.audit.subject_access import subject_access_router
from infohus_platform.service import build_app

from .api import routers
from .handlers import register_handlers
from .jobs import hourly
from .settings import AssessmentSettings
from .storage import TABLES, subject_records


def create_app(settings: AssessmentSettings | None = None) -> FastAPI:
    return build_app(
        settings or AssessmentSettings(),
        title="Infohus assessment",
        topics=ALL_TOPICS,
        tables=TABLES,
        routers=[*routers, subject_access_router(subject_records)],
        register_handlers=register_handlers,
        background=[hourly],
    )
