"""The network's own counters, on the app's registry (``/metrics``)."""

from prometheus_client import CollectorRegistry, Counter

from .freetext import Refusal


class NetworkMetrics:
    def __init__(self, registry: CollectorRegistry) -> None:
        # By kind only: the refused text is never logged, stored or counted by content.
        self.refusals = Counter(
            "infohus_network_free_text_refusals_total", "Texts refused by the free-text guard, by kind",
            ["reason"], registry=registry,
        )
        self.ignored_aggregates = Counter(
            "infohus_network_aggregates_ignored_total", "Valid aggregates this network does not keep, by reason",
            ["reason"], registry=registry,
        )
        for kind in Refusal:
            self.refusals.labels(kind.value)
        self.ignored_aggregates.labels("outside_district")
