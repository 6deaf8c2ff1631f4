"""The transactional outbox (issue D): events are rows written in the same transaction as the
change they describe; the relay publishes them to RabbitMQ afterwards."""

from __future__ import annotations

import json
import os
from collections.abc import Sequence

from sqlalchemy import Engine, delete

from smartalloc.adapters.db import pg_copy
from smartalloc.adapters.db.schema import OutboxMessage
from smartalloc.adapters.db.together import Write
from smartalloc.adapters.db.upsert import upsert
from smartalloc.domain.events import Event

ENV = "SMARTALLOC_OUTBOX"
# json.dumps with options builds an encoder per call: 30k of them in a 10k run's transaction.
_JSON = json.JSONEncoder(ensure_ascii=False, sort_keys=True)


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
    Unsent rows of ``replace_run`` are removed first, so a replay leaves exactly its events.

    On PostgreSQL, when no id is present yet (a first run; a replay whose events were not
    sent), the rows are encoded while they stream into COPY (``pg_copy.copy_new``): the server
    stores the first ones while Python encodes the later ones."""
    if replace_run:
        conn.execute(delete(OutboxMessage).where(OutboxMessage.c.run_id == replace_run,
                                                 OutboxMessage.c.sent_at.is_(None)))
    table, names = OutboxMessage.name, [_COLUMNS[a] for a in _ATTRS]
    if pg_copy.usable(conn, len(events)) and pg_copy.copy_new(
            conn, table, _COLUMNS["event_id"], [e.event_id for e in events], names,
            lambda: map(_row, events)):
        return
    write = outbox_write(events)
    upsert(conn, OutboxMessage, write.rows, write.keys, write.update)


def outbox_write(events: Sequence[Event]) -> Write:
    """The events as one of a transaction's ``together`` writes (ids present are kept)."""
    return Write(OutboxMessage, [dict(zip(_ATTRS, _row(e), strict=True)) for e in events],
                 ("event_id",))


_ATTRS = ("event_id", "event_type", "schema_version", "payload", "occurred_at", "run_id",
          "sent_at", "attempts")
_COLUMNS = {a: OutboxMessage.c[a].name for a in _ATTRS}


def _row(e: Event) -> tuple:
    return (e.event_id, e.event_type, e.schema_version, _JSON.encode(e.message()),
            e.occurred_at, e.run_id, None, 0)
