"""RabbitMQ side of the transactional outbox (issue D): the relay that publishes outbox rows
with publisher confirms, and the idempotent consumer library for subscribers."""
