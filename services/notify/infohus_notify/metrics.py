"""What notify measures beyond every service: deliveries, attempts and dead letters, by channel."""

from infohus_platform.observability import Metrics


class NotifyMetrics(Metrics):
    """Labels are channels and outcomes only: never a recipient."""

    def __init__(self) -> None:
        super().__init__()
        self.deliveries = self.counter("infohus_notify_deliveries_total", "Deliveries by channel and outcome",
                                       ["channel", "outcome"])
        self.dead_lettered = self.counter("infohus_notify_dead_lettered_total",
                                          "Messages given up on after the last attempt; staff must act",
                                          ["channel"])
        self.attempts = self.counter("infohus_notify_attempts_total", "Delivery attempts by channel and outcome",
                                     ["channel", "outcome"])
