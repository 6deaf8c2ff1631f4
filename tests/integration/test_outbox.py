"""The outbox is written in the run's own transaction: a committed run leaves exactly its
events, a rolled-back one none, and a replay no duplicates."""

from __future__ import annotations

import json
from collections import Counter

import pytest
from sqlalchemy import select

from smartalloc.adapters.db.migrate import upgrade
from smartalloc.adapters.db.schema import OutboxMessage
from smartalloc.adapters.db.store import SqlStore
from smartalloc.domain.errors import HistoryError

from .test_pipeline_postgres import FailingPgStore, _run


def _outbox(store: SqlStore) -> list[dict]:
    with store.engine.connect() as conn:
        return [row[0] for row in conn.execute(select(OutboxMessage.c.payload)
                                               .order_by(OutboxMessage.c.id))]


def test_committed_run_writes_exactly_its_events(small_agency, policy, pg_url, tmp_path):
    upgrade(pg_url)
    store = SqlStore(pg_url)
    assert store.outbox                                     # on by default for PostgreSQL
    result = _run(small_agency, policy, tmp_path / "out", store)
    messages = _outbox(store)
    kinds = Counter(m["event_type"] for m in messages)
    allocated = result.counts["allocated"]
    assert kinds["StudentImported"] == result.counts["students"]
    assert kinds["MentorAssigned"] == kinds["CounterGenerated"] == allocated
    assert kinds["AllocationFailed"] == result.counts["students"] - allocated
    assert kinds["RunCompleted"] == 1
    wire = json.dumps(messages, ensure_ascii=False)
    assert not any(e.national_id in wire for e in store.load())

    _run(small_agency, policy, tmp_path / "again", store)  # idempotent replay: same events
    def same(ms):
        return [(m["event_id"], m["event_type"], m["payload"]) for m in ms]
    assert same(_outbox(store)) == same(messages)


def test_rolled_back_run_writes_no_event(small_agency, policy, pg_url, tmp_path):
    upgrade(pg_url)
    with pytest.raises(HistoryError):
        _run(small_agency, policy, tmp_path / "out", FailingPgStore(pg_url))
    assert _outbox(SqlStore(pg_url)) == []


def test_embedded_sqlite_writes_no_outbox_unless_asked(small_agency, policy, sqlite_url, tmp_path,
                                                      monkeypatch):
    _run(small_agency, policy, tmp_path / "a", SqlStore(sqlite_url))
    assert _outbox(SqlStore(sqlite_url)) == []
    monkeypatch.setenv("SMARTALLOC_OUTBOX", "on")
    store = SqlStore(sqlite_url)
    _run(small_agency, policy, tmp_path / "b", store)      # a replay: same run, now with events
    assert len(_outbox(store)) > 0
