"""The intake service."""

from fastapi import FastAPI

from infohus_contracts.case.topics import ALL_TOPICS, ERASURE
from infohus_platform.audit.erasure import register_erasure
from infohus_platform.audit.subject_access import subject_access_router
from infohus_platform.service import build_app

from .api import router
from .settings import IntakeSettings
from .storage import TABLES, erasure_deletes, find_by_cpr, subject_records


def create_app(settings: IntakeSettings | None = None) -> FastAPI:
    return build_app(
        settings or IntakeSettings(),
        title="Infohus intake",
        topics=ALL_TOPICS,
        tables=TABLES,
        routers=[router, subject_access_router(subject_records, find_by_cpr)],
        register_handlers=lambda runtime: register_erasure(runtime, ERASURE, erasure_deletes),
    )
