"""The notify service: build_app plus the delivery worker and the partner topics."""

import asyncio
from contextlib import asynccontextmanager

from fastapi import FastAPI

from infohus_contracts.base.aggregates import AggregateReport
from infohus_contracts.case.topics import ALL_TOPICS
from infohus_platform.audit.subject_access import subject_access_router
from infohus_platform.service import build_app

from .api import router
from .channels import FileDropDigitalPost
from .config import PARTNER_TOPIC_TEMPLATE, load_partners, load_staff
from .dispatcher import Dispatcher
from .handlers import register_handlers
from .notices import Context
from .rendering import Templates
from .settings import NotifySettings
from .storage import TABLES, subject_records

PARTNER_TOPIC_DESCRIPTION = (
    "A partner system's own topic: the concern events it subscribed to, as far as policy lets it see them "
    "(OPA, recipient kind partner_system: aggregates and general knowledge only unless a legal basis is "
    "recorded). CloudEvents attributes in the headers (ce_id, ce_type, ce_source, ce_time; ce_partner), the "
    "event's data as the body. Read only by the partner's own principal User:partner-<id> (Kafka ACLs)."
)


def create_app(settings: NotifySettings | None = None) -> FastAPI:
    settings = settings or NotifySettings()
    ctx = Context(settings, staff=load_staff(settings.notify_staff_directory),
                  partners=load_partners(settings.notify_partners_file))
    holder: dict[str, Dispatcher] = {}

    def wake() -> None:
        if "dispatcher" in holder:
            holder["dispatcher"].wake()

    def register(runtime) -> None:
        register_handlers(runtime, ctx, wake)

    app = build_app(settings, title="Infohus notify", topics=ALL_TOPICS, tables=TABLES,
                    routers=[router, subject_access_router(subject_records)], register_handlers=register)
    runtime = app.state.runtime
    broker = runtime.broker
    # The partner contract, for the AsyncAPI document; and one real publisher per partner with a topic.
    broker.publisher(PARTNER_TOPIC_TEMPLATE, schema=AggregateReport, title="partner-topic",
                     description=PARTNER_TOPIC_DESCRIPTION)
    publishers = {
        partner.id: broker.publisher(settings.kafka_topic_prefix + partner.topic, schema=AggregateReport,
                                     title=f"partner-{partner.id}", description=PARTNER_TOPIC_DESCRIPTION)
        for partner in ctx.partners if partner.kafka
    }
    dispatcher = Dispatcher(runtime, ctx, Templates(settings.notify_templates_dir),
                            FileDropDigitalPost(settings.digital_post_path()), publishers)
    holder["dispatcher"] = dispatcher
    app.state.notify = ctx
    app.state.dispatcher = dispatcher

    platform_lifespan = app.router.lifespan_context

    @asynccontextmanager
    async def lifespan(app: FastAPI):
        async with platform_lifespan(app) as state:
            task = asyncio.create_task(dispatcher.run())
            try:
                yield state
            finally:
                dispatcher.stop()
                await asyncio.gather(task, return_exceptions=True)

    app.router.lifespan_context = lifespan
    return app
