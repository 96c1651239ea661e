"""The case topics: concerns, case events, notification requests and tombstones.

Never imported by the district network (an import-linter contract); ``ALL_TOPICS`` is the whole
catalogue of a case instance, the network's topics included.
"""

from infohus_contracts.base.topics import NETWORK_TOPICS, Topic

from .events import CaseEvent, ConcernReceived, PersonErased
from .notifications import NotificationRequested

CONCERN_RECEIVED = Topic(
    "infohus.concern.received.v1", ("intake",), ("assessment",), ConcernReceived,
    "A concern intake accepted, keyed by concern id.",
    "dk.infohus.concern.received.v1",
)
CASE_EVENTS = Topic(
    "infohus.case.events.v1", ("assessment",), ("registry",), CaseEvent,
    "Every state change of a case, keyed by concern id so a case's events stay in order.",
    "dk.infohus.{kind}.v1",
)
NOTIFY_REQUESTS = Topic(
    "infohus.notify.requests.v1", ("registry", "assessment"), ("notify",), NotificationRequested,
    "Messages owed to citizens or staff; ids only, never case details.",
    "dk.infohus.notify.requested.v1",
)
ERASURE = Topic(
    "infohus.erasure.v1", ("registry",), ("intake", "assessment", "notify"), PersonErased,
    "Tombstones: the concern's retention ended and every service deletes its personal data.",
    "dk.infohus.person.erased.v1",
)

CASE_TOPICS: tuple[Topic, ...] = (CONCERN_RECEIVED, CASE_EVENTS, NOTIFY_REQUESTS, ERASURE)
ALL_TOPICS: tuple[Topic, ...] = (CONCERN_RECEIVED, CASE_EVENTS, NOTIFY_REQUESTS, *NETWORK_TOPICS, ERASURE)
