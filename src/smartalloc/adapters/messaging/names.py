"""The broker's names every side agrees on, apart from the client library: the command line
shows them as defaults in `smartalloc relay --help` without importing aio-pika (issue P)."""

from __future__ import annotations

AMQP_ENV = "AMQP_URL"
DEFAULT_AMQP_URL = "amqp://guest:guest@127.0.0.1:5672/"
EXCHANGE = "smartalloc.events"
