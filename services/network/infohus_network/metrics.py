"""The network's own counters, beside every service's (``/metrics``)."""

from infohus_platform.observability import Metrics
from infohus_platform.runtime import Runtime

from .freetext import Refusal


class NetworkMetrics(Metrics):
    def __init__(self) -> None:
        super().__init__()
        # By kind only: the refused text is never logged, stored or counted by content.
        self.refusals = self.counter("infohus_network_free_text_refusals_total",
                                     "Texts refused by the free-text guard, by kind", ["reason"])
        self.ignored_aggregates = self.counter("infohus_network_aggregates_ignored_total",
                                               "Valid aggregates this network does not keep, by reason", ["reason"])
        for kind in Refusal:
            self.refusals.labels(kind.value)
        self.ignored_aggregates.labels("outside_district")


def network_metrics(runtime: Runtime) -> NetworkMetrics:
    metrics = runtime.metrics
    assert isinstance(metrics, NetworkMetrics)
    return metrics
