"""A small async cache of values that are fetched by key and remembered for a while."""

import time
from collections.abc import Awaitable, Callable
from typing import Generic, TypeVar

V = TypeVar("V")


class TtlCache(Generic[V]):
    def __init__(self, ttl_seconds: float) -> None:
        self.ttl_seconds = ttl_seconds
        self._values: dict[str, tuple[float, V]] = {}

    async def get(self, key: str, fetch: Callable[[], Awaitable[V]]) -> V:
        cached = self._values.get(key)
        if cached is not None and time.monotonic() - cached[0] < self.ttl_seconds:
            return cached[1]
        value = await fetch()
        self._values[key] = (time.monotonic(), value)
        return value

    def put(self, key: str, value: V) -> None:
        self._values[key] = (time.monotonic(), value)

    def last(self, key: str) -> V | None:
        """The value last fetched, however old (for when it cannot be fetched now)."""
        cached = self._values.get(key)
        return cached[1] if cached is not None else None
