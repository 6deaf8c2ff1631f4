"""The relay's side of the outbox table: claim due rows, then record what the broker said.

On PostgreSQL the claim is ``SELECT … FOR UPDATE SKIP LOCKED`` inside a transaction the relay
keeps open until the confirms are recorded, so concurrent relays take disjoint rows and a relay
that dies releases its rows unsent. SQLite has no row locks: one relay per file.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import Connection, inspect, or_, select, update

from smartalloc.adapters.db.schema import OutboxMessage as Outbox
from smartalloc.domain.errors import DatabaseError, Problem
from smartalloc.domain.events import Event

ERROR_CHARS = 2000


@dataclass(frozen=True, slots=True)
class OutboxRow:
    id: int
    event: Event
    attempts: int

    def body(self) -> bytes:
        return json.dumps(self.event.message(), ensure_ascii=False, sort_keys=True).encode()


def stamp(at: datetime) -> str:
    """Fixed-width UTC ISO text: compares correctly as a string in both databases."""
    return at.astimezone(UTC).isoformat(timespec="microseconds")


def now() -> datetime:
    return datetime.now(UTC)


def check_schema(conn: Connection) -> None:
    """The retry columns come from migration 0002; say how to get them instead of failing
    on the first query."""
    columns = {c["name"] for c in inspect(conn).get_columns(Outbox.name)} \
        if inspect(conn).has_table(Outbox.name) else set()
    if Outbox.c.next_attempt_at.name not in columns:
        raise DatabaseError(Problem(
            "DATABASE_OUTDATED",
            "طرح پایگاه داده صندوق خروجی را ندارد یا به‌روز نیست؛ ابتدا «smartalloc db upgrade» "
            "را اجرا کنید",
            "the database has no current outbox table; run `smartalloc db upgrade` first"))


def _event(message: object) -> Event:
    data = json.loads(message) if isinstance(message, str | bytes) else dict(message)
    return Event(str(data["event_id"]), str(data["event_type"]), str(data["occurred_at"]),
                 str(data.get("run_id", "")), dict(data.get("payload") or {}),
                 int(data.get("schema_version", 1)))


def claim(conn: Connection, at: datetime, limit: int, lock: bool) -> list[OutboxRow]:
    """Unsent, not dead-lettered rows whose next attempt is due, in id (= commit) order."""
    due = stamp(at)
    query = (select(Outbox.c.id, Outbox.c.payload, Outbox.c.attempts)
             .where(Outbox.c.sent_at.is_(None), Outbox.c.dead_lettered_at.is_(None),
                    or_(Outbox.c.next_attempt_at.is_(None), Outbox.c.next_attempt_at <= due))
             .order_by(Outbox.c.id).limit(limit))
    if lock:
        query = query.with_for_update(skip_locked=True)
    return [OutboxRow(row_id, _event(payload), attempts or 0)
            for row_id, payload, attempts in conn.execute(query)]


def mark_sent(conn: Connection, ids: Sequence[int], at: datetime) -> None:
    if ids:
        conn.execute(update(Outbox).where(Outbox.c.id.in_(list(ids)))
                     .values({Outbox.c.sent_at: stamp(at), Outbox.c.next_attempt_at: None}))


def mark_failed(conn: Connection, row: OutboxRow, error: str, retry_at: datetime) -> None:
    """One more failed attempt; the row becomes due again at ``retry_at``."""
    conn.execute(update(Outbox).where(Outbox.c.id == row.id).values({
        Outbox.c.attempts: row.attempts + 1, Outbox.c.last_error: error[:ERROR_CHARS],
        Outbox.c.next_attempt_at: stamp(retry_at)}))


def mark_dead(conn: Connection, row: OutboxRow, error: str, at: datetime) -> None:
    """Published to the dead-letter queue (confirmed): never claimed again."""
    conn.execute(update(Outbox).where(Outbox.c.id == row.id).values({
        Outbox.c.attempts: row.attempts + 1, Outbox.c.last_error: error[:ERROR_CHARS],
        Outbox.c.dead_lettered_at: stamp(at), Outbox.c.next_attempt_at: None}))


def retry_time(at: datetime, delay: float) -> datetime:
    return at + timedelta(seconds=delay)
