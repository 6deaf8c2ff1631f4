"""The transactional outbox (issue D): events are rows written in the same transaction as the
change they describe; the relay publishes them to RabbitMQ afterwards."""

from __future__ import annotations

import json
import os
from collections.abc import Sequence

from sqlalchemy import Engine, delete

from smartalloc.adapters.db.schema import OutboxMessage
from smartalloc.adapters.db.upsert import upsert
from smartalloc.domain.events import Event

ENV = "SMARTALLOC_OUTBOX"


def outbox_enabled(engine: Engine) -> bool:
    """On for PostgreSQL (where relays and subscribers live), off for the embedded SQLite file;
    ``$SMARTALLOC_OUTBOX`` = on/off overrides."""
    setting = os.environ.get(ENV, "").strip().lower()
    if setting in {"1", "on", "true", "yes"}:
        return True
    if setting in {"0", "off", "false", "no"}:
        return False
    return engine.dialect.name == "postgresql"


def write_outbox(conn, events: Sequence[Event], *, replace_run: str = "") -> None:
    """Insert the events; ids already present are kept (a replayed run re-emits the same ids).
    Unsent rows of ``replace_run`` are removed first, so a replay leaves exactly its events."""
    if replace_run:
        conn.execute(delete(OutboxMessage).where(OutboxMessage.run_id == replace_run,
                                                 OutboxMessage.sent_at.is_(None)))
    rows = [{"event_id": e.event_id, "event_type": e.event_type,
             "schema_version": e.schema_version,
             "payload": json.dumps(e.message(), ensure_ascii=False, sort_keys=True),
             "occurred_at": e.occurred_at, "run_id": e.run_id, "sent_at": None, "attempts": 0}
            for e in events]
    upsert(conn, OutboxMessage, rows, ["event_id"], [])
