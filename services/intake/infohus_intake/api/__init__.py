"""Intake's HTTP API: thin routers, each route calls one use case in ``service``."""

from fastapi import APIRouter

from .concerns import router as concerns_router

routers: list[APIRouter] = [concerns_router]
