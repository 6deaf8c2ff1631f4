"""A transaction's few writes in one round trip (issue L, ``adapters.db.together``): on
PostgreSQL one statement, on SQLite one per write; either way the rows are those the writes
name — Persian text, JSON text, an upsert over a row already there, an event id already sent
kept — and a write that breaks a unique key fails them all, leaving nothing."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import event, select
from sqlalchemy.exc import IntegrityError

from smartalloc.adapters.db.schema import Allocation, OutboxMessage, Student
from smartalloc.adapters.db.store import STUDENT_UPDATE
from smartalloc.adapters.db.together import Write, write_together


def _student(nid: str, last: str) -> dict:
    return {"national_id": nid, "first_name": "سارا", "last_name": last, "group_code": 27,
            "gender": 0, "graduation_status": 1, "center": 0, "finance": 0, "school_code": 0,
            "last_run_id": "r1"}


def _allocation(nid: str, code: str) -> dict:
    return {"national_id": nid, "mentor_id": "m1", "code": code, "group_code": 27, "gender": 0,
            "graduation_status": 1, "center": 0, "finance": 0, "school_code": 0,
            "channel": "normal", "allocated_at": "1405/09/16", "run_id": "r1",
            "policy_stamp": "p"}


def _event(event_id: str, payload: dict) -> dict:
    return {"event_id": event_id, "event_type": "MentorAssigned", "schema_version": 1,
            "payload": json.dumps(payload, ensure_ascii=False), "occurred_at": "t",
            "run_id": "", "sent_at": None, "attempts": 0}


def _writes(nid: str, code: str, last: str, events: list[dict]) -> list[Write]:
    return [Write(Student, [_student(nid, last)], ("national_id",), STUDENT_UPDATE),
            Write(Allocation, [_allocation(nid, code)]),
            Write(OutboxMessage, events, ("event_id",))]


def _statements(conn) -> list[str]:
    seen: list[str] = []
    event.listen(conn, "before_cursor_execute", lambda *a: seen.append(a[2]))
    return seen


def test_the_writes_land_in_one_statement_on_postgresql_and_each_on_sqlite(store):
    engine = store.engine
    with engine.begin() as conn:
        write_together(conn, _writes("0010000001", "140357001", "یکم", [_event("e0", {})]))
    with engine.begin() as conn:
        seen = _statements(conn)
        write_together(conn, _writes("0010000002", "140357002", "نمونه\u200cای",
                                     [_event("e0", {"x": "changed"}),
                                      _event("e1", {"نام": "علی", "n": [1, None]})])
                       + [Write(Student, [_student("0010000001", "دوم")], ("national_id",),
                                STUDENT_UPDATE), Write(Allocation, [])])
    assert len(seen) == (1 if engine.dialect.name == "postgresql" else 4)
    with engine.connect() as conn:
        students = dict(conn.execute(select(Student.c.national_id, Student.c.last_name)).all())
        codes = dict(conn.execute(select(Allocation.c.national_id, Allocation.c.code)).all())
        payloads = dict(conn.execute(select(OutboxMessage.c.event_id, OutboxMessage.c.payload)).all())
    assert students == {"0010000001": "دوم", "0010000002": "نمونه\u200cای"}
    assert codes == {"0010000001": "140357001", "0010000002": "140357002"}
    decoded = {k: json.loads(v) if isinstance(v, str) else v for k, v in payloads.items()}
    assert decoded == {"e0": {}, "e1": {"نام": "علی", "n": [1, None]}}   # e0 kept as it was


def test_a_write_that_breaks_a_key_fails_them_all(store):
    engine = store.engine
    with engine.begin() as conn:
        write_together(conn, _writes("0010000001", "140357001", "یکم", [_event("e0", {})]))
    with pytest.raises(IntegrityError), engine.begin() as conn:   # the code is held already
        write_together(conn, _writes("0010000002", "140357001", "دوم", [_event("e1", {})]))
    with engine.connect() as conn:
        assert conn.execute(select(Student.c.national_id)).scalars().all() == ["0010000001"]
        assert conn.execute(select(OutboxMessage.c.event_id)).scalars().all() == ["e0"]
