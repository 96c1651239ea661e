"""Notify's HTTP API: notices and their art. 14 decision, the delivery log, the in-app inbox, partners."""

from fastapi import APIRouter

from . import deliveries, inbox, notifications, partners

routers: list[APIRouter] = [notifications.router, deliveries.router, inbox.router, partners.router]

__all__ = ["routers"]
