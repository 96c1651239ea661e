"""Assessment's HTTP API: the caseworker's process, one thin router per part; the use cases are in ``service``."""

from fastapi import APIRouter

from . import (
    assessments,
    cases,
    daily_jobs,
    decisions,
    enrichment,
    follow_up,
    initial_assessment,
    known_elsewhere,
    meetings,
    pet_reports,
)

routers: list[APIRouter] = [
    cases.router,
    initial_assessment.router,
    enrichment.router,
    assessments.router,
    decisions.router,
    follow_up.router,
    meetings.router,
    daily_jobs.router,
    known_elsewhere.router,
    pet_reports.router,
]
