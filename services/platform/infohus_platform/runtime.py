"""The long-lived parts of a running service, as routes and handlers see them."""

import asyncio
from dataclasses import dataclass
from typing import TYPE_CHECKING, Annotated

from fastapi import Depends, Request
from faststream.kafka import KafkaBroker

from infohus_platform.db import Database
from infohus_platform.messaging.kafka import DeadLetters
from infohus_platform.messaging.relay import OutboxRelay
from infohus_platform.observability import Metrics
from infohus_platform.policy import PolicyClient
from infohus_platform.settings import ServiceSettings

if TYPE_CHECKING:
    from infohus_platform.exchange.link import Exchange


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
    dead_letters: DeadLetters
    exchange: "Exchange | None" = None
    """The district's exchange cluster, when this instance is a member of a district (``exchange``)."""


def runtime_of(request: Request) -> Runtime:
    return request.app.state.runtime


RuntimeDep = Annotated[Runtime, Depends(runtime_of)]
