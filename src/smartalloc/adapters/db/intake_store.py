"""Live intake entries in the system of record (issue L): ``service_layer.intake``'s store.

Idempotency rests on the unique key (source, form, entry), not on a read before the write:
two copies of one webhook racing on PostgreSQL both insert, one wins, the other rolls back,
reads the winner and answers as a retry. The entry and its ``StudentImported`` event commit
together (the transactional outbox of issue D), so a rolled-back entry emits nothing.
"""

from __future__ import annotations

import json
from collections.abc import Sequence

from sqlalchemy import Engine, select, update
from sqlalchemy.exc import IntegrityError

from smartalloc.adapters.db.outbox import outbox_write
from smartalloc.adapters.db.schema import IntakeEntry
from smartalloc.adapters.db.together import Write, write_together
from smartalloc.domain.events import Event
from smartalloc.domain.intake import REJECTED, EntryKey
from smartalloc.service_layer.intake import StoredEntry

TABLE = IntakeEntry
C = IntakeEntry.c
_JSON = json.JSONEncoder(ensure_ascii=False)   # the keys in the answer's own order


class SqlIntakeEntries:
    def __init__(self, engine: Engine, *, outbox: bool = False):
        self.engine, self.outbox = engine, outbox

    def find(self, key: EntryKey) -> StoredEntry | None:
        with self.engine.connect() as conn:
            row = conn.execute(select(TABLE).where(*key_is(key))).mappings().first()
        return None if row is None else entry_of(row)

    def save(self, entry: StoredEntry, events: Sequence[Event], *,
             replace_rejected: bool) -> tuple[StoredEntry, bool]:
        try:
            with self.engine.begin() as conn:
                writes, done = entry_writes(conn, entry, replace_rejected=replace_rejected)
                if done and self.outbox:
                    writes.append(outbox_write(events))
                write_together(conn, writes)
        except IntegrityError:
            done = 0
        stored = self.find(entry.key)
        if stored is None:    # the rejected row we meant to replace is gone: cannot happen
            raise RuntimeError("intake entry vanished while being stored")
        return stored, bool(done) and stored.digest == entry.digest

    def with_status(self, status: str, *, include_exported: bool) -> list[StoredEntry]:
        query = select(TABLE).where(C["status"] == status).order_by(C["id"])
        if not include_exported:
            query = query.where(C["exported_at"].is_(None))
        with self.engine.connect() as conn:
            return [entry_of(r) for r in conn.execute(query).mappings()]

    def recent(self, limit: int, national_id: str | None = None,
               before: int | None = None) -> list[StoredEntry]:
        query = select(TABLE).order_by(C["id"].desc()).limit(limit)
        if national_id is not None:
            query = query.where(C["national_id"] == national_id)
        if before is not None:
            query = query.where(C["id"] < before)
        with self.engine.connect() as conn:
            return [entry_of(r) for r in conn.execute(query).mappings()]

    def mark_exported(self, ids: Sequence[int], at: str) -> None:
        with self.engine.begin() as conn:
            for start in range(0, len(ids), 500):
                conn.execute(update(TABLE).where(C["id"].in_(ids[start:start + 500]))
                             .values({C["exported_at"]: at}))


def key_is(key: EntryKey) -> tuple:
    return (C["source"] == key.source, C["form_id"] == key.form_id,
            C["entry_id"] == key.entry_id)


def values_of(e: StoredEntry) -> dict:
    return {C[attr]: value for attr, value in _attrs(e).items()}


def entry_writes(conn, entry: StoredEntry, *, replace_rejected: bool) -> tuple[list[Write], bool]:
    """Storing ``entry``, for a transaction's ``together`` writes: its insert — or, for a
    rejected entry of its key sent again, the replacement in place (a statement of its own,
    rare; False when no rejected entry was there to replace)."""
    if replace_rejected:
        done = conn.execute(update(TABLE).where(*key_is(entry.key), C["status"] == REJECTED)
                            .values(values_of(entry))).rowcount
        return [], bool(done)
    return [entry_write(entry)], True


def entry_write(e: StoredEntry) -> Write:
    """The entry as one of a transaction's ``together`` writes (its JSON columns as text)."""
    attrs = _attrs(e)
    attrs["row"], attrs["response"] = _JSON.encode(attrs["row"]), _JSON.encode(attrs["response"])
    return Write(IntakeEntry, [attrs])


def _attrs(e: StoredEntry) -> dict:
    return {"source": e.key.source, "form_id": e.key.form_id, "entry_id": e.key.entry_id,
            "digest": e.digest, "received_at": e.received_at, "status": e.status,
            "national_id": e.national_id[:10], "row": list(e.row),
            "http_status": e.http_status, "response": dict(e.response), "exported_at": None}


def entry_of(row) -> StoredEntry:
    v = {attr: row[column] for attr, column in C.items()}
    return StoredEntry(EntryKey(v["source"], v["form_id"], v["entry_id"]), v["digest"],
                       v["received_at"], v["status"], v["national_id"], tuple(v["row"]),
                       v["http_status"], v["response"], v["id"], v["exported_at"])
