"""Correlation ids: one per HTTP request or consumed event, carried into every event it causes."""

import re
from contextvars import ContextVar
from uuid import uuid4

import structlog

HEADER = "ce_correlationid"
_current: ContextVar[str | None] = ContextVar("correlation_id", default=None)


def current() -> str:
    value = _current.get()
    if value is None:
        value = str(uuid4())
        bind(value)
    return value


def bind(value: str | None) -> None:
    value = value or str(uuid4())
    _current.set(value)
    structlog.contextvars.bind_contextvars(correlation_id=value)


_SAFE = re.compile(r"^[A-Za-z0-9._-]{1,64}$")


def sanitize(value: str | None) -> str | None:
    """Accept an incoming id only if it cannot carry anything but an id."""
    return value if value and _SAFE.match(value) else None
