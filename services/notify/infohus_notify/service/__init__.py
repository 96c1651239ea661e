"""Notify's use cases: recording requests and queueing their deliveries (``notices``), partner events
(``partners``), review reminders for held notices (``reviews``), and the dispatcher that sends what is due
(``dispatch`` takes it, ``deliveries`` runs one through its attempts, ``messages`` and ``partners`` say what
goes out). These are the only modules that write the processing log."""
