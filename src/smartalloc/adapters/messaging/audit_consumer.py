"""Example subscriber: appends one JSON line per event to an audit file, once per event id.

The line is written and flushed to disk before the id commits, so a crash can at worst repeat
a line (never lose one); readers deduplicate by ``event_id`` if they care.
"""

from __future__ import annotations

import asyncio
import json
import os
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path

from smartalloc.adapters.messaging.broker import EXCHANGE
from smartalloc.adapters.messaging.consumer import ConsumerStats, IdempotentConsumer

BINDING = "smartalloc.v1.#"


class AuditFile:
    """The handler: ``{"received_at": …, **message}`` as one line of UTF-8 JSON."""

    def __init__(self, path: Path):
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)

    def __call__(self, message: dict) -> None:
        line = json.dumps({"received_at": datetime.now(UTC).isoformat(), **message},
                          ensure_ascii=False, sort_keys=True)
        with self.path.open("a", encoding="utf-8") as out:
            out.write(line + "\n")
            out.flush()
            os.fsync(out.fileno())


async def run_audit_consumer(amqp_url: str, queue: str, audit_file: Path,
                             processed_db: str | Path, *, binding_keys: Sequence[str] = (BINDING,),
                             exchange: str = EXCHANGE, stop: asyncio.Event | None = None,
                             max_messages: int | None = None, idle_timeout: float | None = None,
                             base_delay: float = 0.5, max_delay: float = 30.0) -> ConsumerStats:
    """Until ``stop`` (or the limits); broker drops and refusals are reconnected with backoff."""
    consumer = IdempotentConsumer(amqp_url, queue, binding_keys, AuditFile(audit_file),
                                  processed_db, exchange=exchange, name="smartalloc-audit",
                                  base_delay=base_delay, max_delay=max_delay)
    try:
        return await consumer.run(stop, max_messages=max_messages, idle_timeout=idle_timeout)
    finally:
        consumer.store.close()
