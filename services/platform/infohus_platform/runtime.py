"""The long-lived parts of a running service, as routes and handlers see them."""

import asyncio
from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Request
from faststream.kafka import KafkaBroker

from .db import Database
from .messaging import OutboxRelay
from .observability import Metrics
from .policy import PolicyClient
from .settings import ServiceSettings


@dataclass
class Runtime:
    """Everything long-lived a service's routes and handlers need."""

    settings: ServiceSettings
    db: Database
    broker: KafkaBroker
    policy: PolicyClient
    metrics: Metrics
    relay: OutboxRelay
    broker_ready: asyncio.Event


def runtime_of(request: Request) -> Runtime:
    return request.app.state.runtime


RuntimeDep = Annotated[Runtime, Depends(runtime_of)]
