"""The runtime every Infohus service is built from: settings, storage, outbox/inbox, Kafka, OPA, health."""
