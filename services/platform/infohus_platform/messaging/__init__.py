"""Messaging: the transactional outbox, its relay to Kafka, the broker with its middlewares, and the consumer."""
