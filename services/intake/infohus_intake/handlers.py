"""Intake's Kafka handlers: it consumes only the tombstones, and erases a concern's data at the end of retention."""

from infohus_contracts.case.topics import ERASURE
from infohus_platform.audit.erasure import register_erasure
from infohus_platform.runtime import Runtime

from .storage import erasure_deletes


def register_handlers(runtime: Runtime) -> None:
    register_erasure(runtime, ERASURE, erasure_deletes)
