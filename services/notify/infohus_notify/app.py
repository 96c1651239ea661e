"""The notify service: build_app plus the dispatcher (its one background job) and the partner topics."""

from fastapi import FastAPI

from infohus_contracts.base.aggregates import AggregateReport
from infohus_contracts.case.topics import ALL_TOPICS
from infohus_platform.audit.subject_access import subject_access_router
from infohus_platform.runtime import Runtime
from infohus_platform.service import build_app

from .api import routers
from .channels import Channels, EmailChannel, FileDropDigitalPost, PartnerPublisher, WebhookChannel
from .config import PARTNER_TOPIC_TEMPLATE, load_partners, load_staff
from .handlers import register_handlers
from .metrics import NotifyMetrics
from .rendering import Templates
from .service.context import Context
from .service.deliveries import DeliveryAttempts
from .service.dispatch import Dispatcher
from .service.messages import MessageDeliveries
from .service.partners import PartnerDeliveries
from .service.reviews import ReviewReminders
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
    metrics = NotifyMetrics()
    holder: dict[str, Dispatcher] = {}

    def wake() -> None:
        if "dispatcher" in holder:
            holder["dispatcher"].wake()

    def register(runtime: Runtime) -> None:
        register_handlers(runtime, ctx, wake)

    async def dispatch(runtime: Runtime) -> None:
        await holder["dispatcher"].run()

    app = build_app(settings, title="Infohus notify", topics=ALL_TOPICS, tables=TABLES,
                    routers=[*routers, subject_access_router(subject_records)], register_handlers=register,
                    background=[dispatch], metrics=metrics)
    runtime = app.state.runtime
    broker = runtime.broker
    # The partner contract, for the AsyncAPI document; and one real publisher per partner with a topic.
    broker.publisher(PARTNER_TOPIC_TEMPLATE, schema=AggregateReport, title="partner-topic",
                     description=PARTNER_TOPIC_DESCRIPTION)
    publishers: dict[str, PartnerPublisher] = {
        partner.id: broker.publisher(settings.kafka_topic_prefix + partner.topic, schema=AggregateReport,
                                     title=f"partner-{partner.id}", description=PARTNER_TOPIC_DESCRIPTION)
        for partner in ctx.partners if partner.kafka
    }
    channels = Channels(email=EmailChannel(settings), digital_post=FileDropDigitalPost(settings.digital_post_path()),
                        webhooks=WebhookChannel(settings.webhook_timeout_seconds), partner_publishers=publishers)
    attempts = DeliveryAttempts(runtime, ctx, MessageDeliveries(runtime, ctx, Templates(settings.notify_templates_dir),
                                                                channels, metrics),
                                PartnerDeliveries(runtime, ctx, channels, metrics), metrics)
    dispatcher = Dispatcher(runtime, ctx, attempts, ReviewReminders(runtime, ctx), channels)
    holder["dispatcher"] = dispatcher
    app.state.notify = ctx
    app.state.dispatcher = dispatcher
    return app
