"""Registry's HTTP API: thin routers, each route calls one use case in ``service``."""

from fastapi import APIRouter

from .compliance import router as compliance_router
from .registrations import router as registrations_router
from .retention import router as retention_router

routers: list[APIRouter] = [registrations_router, compliance_router, retention_router]
