"""The notify service: build_app plus the dispatcher (its one background job) and the partner topics.

In a district network's instance (``NotifySettings.network_instance``: ``netvaerk-<district>``) notify knows
only the network's topics (``NETWORK_TOPICS``): it consumes the summons and, when a partner subscribed to
them, the aggregates; never a case topic (no notice requests, no erasure tombstones: it holds no case) and
it offers no subject access by concern. Its tables are the same four (``NETWORK_TABLES``): a summons is a
notification with deliveries and their log, a partner event a delivery, and the inbox is read by the API.
"""

from collections.abc import Callable

from fastapi import FastAPI

from infohus_contracts.base.aggregates import AggregateReport
from infohus_contracts.base.summons import MeetingSummonsRequested
from infohus_contracts.base.topics import NETWORK_AGGREGATES, NETWORK_SUMMONS, NETWORK_TOPICS, Topic
from infohus_contracts.case.topics import ALL_TOPICS
from infohus_platform.audit.subject_access import subject_access_router
from infohus_platform.messaging.consumer import Delivery, consumer
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
from .service.notices import receive_summons
from .service.partners import PartnerDeliveries, queue_partner_events, wanted_by_a_partner
from .service.reviews import ReviewReminders
from .settings import NotifySettings
from .storage import TABLES, NotificationRepository, subject_records

NETWORK_TABLES = TABLES
"""A network instance's tables: all of notify's (see the module docstring), holding summons and partner events."""

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

    network = settings.network_instance

    def register(runtime: Runtime) -> None:
        if network:
            register_network_handlers(runtime, ctx, wake)
        else:
            register_handlers(runtime, ctx, wake)

    async def dispatch(runtime: Runtime) -> None:
        await holder["dispatcher"].run()

    topics: tuple[Topic, ...] = NETWORK_TOPICS if network else ALL_TOPICS
    app = build_app(settings, title="Infohus notify", topics=topics, tables=NETWORK_TABLES if network else TABLES,
                    routers=[*routers] if network else [*routers, subject_access_router(subject_records)],
                    register_handlers=register, background=[dispatch], metrics=metrics)
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


def register_network_handlers(runtime: Runtime, ctx: Context, wake: Callable[[], None]) -> None:
    """A network instance's consumers: the summons, and the aggregates only when a partner subscribed to them."""

    @consumer(runtime, NETWORK_SUMMONS, wake=wake)
    async def on_meeting_summons_requested(summons: MeetingSummonsRequested, delivery: Delivery) -> None:
        await receive_summons(NotificationRepository(delivery.session), ctx, summons)

    if any(set(NETWORK_AGGREGATES.event_types) & set(partner.event_types) for partner in ctx.partners):

        @consumer(runtime, NETWORK_AGGREGATES, accepts=lambda headers: wanted_by_a_partner(ctx, headers), wake=wake)
        async def on_aggregate(report: AggregateReport, delivery: Delivery) -> None:
            await queue_partner_events(NotificationRepository(delivery.session), ctx, event_type=delivery.event_type,
                                       event_id=delivery.event_id, headers=delivery.headers, body=report)
