"""The system of record on SQLite and on real PostgreSQL: allocations, runs, counters,
snapshot, governance with audit — and the database refusing a second allocation."""

from __future__ import annotations

import json
from dataclasses import replace

import pytest
from sqlalchemy import func, select

from smartalloc.adapters.db.mentor_registry import MentorRegistry
from smartalloc.adapters.db.schema import (
    Counter,
    Mentor,
    MentorGroup,
    MentorStatusChange,
    OutboxMessage,
    Student,
)
from smartalloc.adapters.db.store import SqlStore
from smartalloc.domain.contracts import STUDENT_COLUMNS
from smartalloc.domain.errors import HistoryError, InputError
from smartalloc.domain.events import status_changed
from smartalloc.domain.policy import Channel, MentorStatus
from smartalloc.domain.records import HistoryEntry, StudentRecord
from smartalloc.service_layer.mentor_governance import ChangeMentorStatus, change_mentor_status
from smartalloc.service_layer.ports import RunRecord, Snapshot

from ..unit.alloc_fixtures import mentor, national_id, student
from .conftest import reported_mentors


def test_an_outdated_postgresql_schema_is_a_clear_error(pg_url):
    with pytest.raises(HistoryError) as err:
        SqlStore(pg_url)
    assert "smartalloc db upgrade" in str(err.value)


def _entry(i: int, mentor_id: str = "1", code: str | None = None, run: str = "r1") -> HistoryEntry:
    return HistoryEntry(national_id(i), mentor_id, code or f"5435700{i:02d}", (3, 1, 1, 0, 0, 0),
                        "GENERIC", "1404-08-27", run, "1.0.3+x")


def _run(run_id: str = "r1", sha: str = "abc") -> RunRecord:
    return RunRecord(run_id, "2026-11-25T10:00:00", "1.0.3+x", {"inspactor:a.xlsx": sha},
                     {"allocated": 2}, "PASSED_QA", "/tmp/out")


def test_record_load_search_and_counters(store):
    published = []
    snap = Snapshot([mentor("1"), mentor("2", gender=0)], {"1": [3, 5], "2": [22]}, {},
                    [student(1), student(2)], "abc")
    store.record(_run(), [_entry(1), _entry(2)], lambda: published.append(True), snap)
    assert published == [True]
    assert {e.national_id for e in store.load()} == {national_id(1), national_id(2)}
    assert store.search(national_id(2))[0].code == "543570002"
    assert store.load(exclude_runs=["r1"]) == []
    assert store.runs_with_input("abc") == ["r1"]
    with store.engine.connect() as conn:
        assert conn.execute(select(Counter.c.last_sequence)).scalar() == 2
        assert conn.execute(select(func.count()).select_from(Mentor)).scalar() == 2
        assert conn.execute(select(func.count()).select_from(MentorGroup)).scalar() == 3
        assert conn.execute(select(func.count()).select_from(Student)).scalar() == 2


def _named(i: int, given: str, family: str, **keys) -> StudentRecord:
    record = student(i, **keys)
    values = list(record.values)
    values[STUDENT_COLUMNS.index("نام")] = given
    values[STUDENT_COLUMNS.index("نام خانوادگی")] = family
    return replace(record, values=tuple(values))


def test_the_tables_hold_each_students_names_and_keys_and_each_allocation_whole(store):
    """What the bulk writes put in each column (tuples in attribute order, issue P), read
    back column by column: a shifted column would show here."""
    snap = Snapshot([mentor("1")], {"1": [3]}, {},
                    [_named(1, "علی", "رضایی", school=12), _named(2, "زهرا", "احمدی", finance=3)])
    entries = [_entry(1), _entry(2, code="543570077")]
    store.record(_run(), entries, None, snap)
    with store.engine.connect() as conn:
        students = conn.execute(select(
            Student.c.national_id, Student.c.first_name, Student.c.last_name, Student.c.group_code,
            Student.c.gender, Student.c.graduation_status, Student.c.center, Student.c.finance,
            Student.c.school_code, Student.c.last_run_id).order_by(Student.c.national_id)).all()
    assert [tuple(r) for r in students] == [
        (national_id(1), "علی", "رضایی", 3, 1, 1, 0, 0, 12, "r1"),
        (national_id(2), "زهرا", "احمدی", 3, 1, 1, 0, 3, 0, "r1")]
    assert sorted(store.load()) == sorted(entries)


def test_the_database_refuses_a_second_allocation_of_a_student(store):
    store.record(_run(), [_entry(1)], lambda: None)
    with pytest.raises(HistoryError):
        store.record(_run("r2"), [_entry(1, mentor_id="2", code="543570099", run="r2")],
                     lambda: None)
    assert [e.run_id for e in store.load()] == ["r1"]


def test_a_conflict_names_the_rule_never_the_national_id_or_the_code(store):
    store.record(_run(), [_entry(1)], lambda: None)
    with pytest.raises(HistoryError) as err:
        store.record(_run("r2"), [_entry(2, code="543570001", run="r2")], lambda: None)
    text = str(err.value)
    assert "HISTORY_CONFLICT" in text
    assert national_id(1) not in text and national_id(2) not in text and "543570001" not in text
    assert "INSERT" not in text.upper()


def test_codes_of_any_sequence_length_move_the_counter(store):   # D15: sequence_digits 1–6
    store.record(_run(), [_entry(1, code="5435700041")], lambda: None)
    with store.engine.connect() as conn:
        assert conn.execute(select(Counter.c.last_sequence)).scalar() == 41


def test_a_failure_before_commit_leaves_nothing(store):
    def boom():
        raise OSError("disk full")

    with pytest.raises(OSError):
        store.record(_run(), [_entry(1)], boom)
    assert store.load() == [] and store.runs_with_input("abc") == []


def test_replaying_a_run_replaces_its_own_rows(store):
    store.record(_run(), [_entry(1), _entry(2)], lambda: None)
    store.record(_run(), [_entry(1), _entry(2)], lambda: None)
    assert len(store.load()) == 2


def _govern(registry, mentor_id, to, reason, by, at, **extra):
    command = ChangeMentorStatus(mentor_id, to, reason=reason, by=by, at=at, **extra)
    return change_mentor_status(command, registry)


def test_governance_is_audited_and_read_back(store):
    registry = MentorRegistry(store.engine)
    reported_mentors(store.engine, "10", "12")
    _govern(registry, "10", MentorStatus.FROZEN, "on leave", "ops", "1404-08-27 10:00")
    _govern(registry, "12", MentorStatus.RESTRICTED, "one school", "ops", "t",
            schools=(1112,), channels=(Channel.SCHOOL,))
    gov = store.governance()
    assert gov["10"].status is MentorStatus.FROZEN and gov["10"].reason == "on leave"
    assert gov["12"].allowed_schools == [1112] and gov["12"].allowed_channels == [Channel.SCHOOL]
    _govern(registry, "10", MentorStatus.ACTIVE, "back", "ops", "t2")
    trail = registry.audit("10")
    assert [(c.from_status, c.to_status) for c in trail] == [("active", "frozen"),
                                                              ("frozen", "active")]
    assert store.governance()["10"].status is MentorStatus.ACTIVE
    assert registry.get("12").allowed_schools == (1112,) and registry.get("no-such") is None
    assert [m.mentor_id for m in registry.list()] == ["10", "12"]   # natural order
    assert [m.mentor_id for m in registry.list("restricted")] == ["12"]
    with pytest.raises(InputError):
        _govern(registry, "10", MentorStatus.FROZEN, " ", "ops", "t3")
    with pytest.raises(InputError):
        _govern(registry, "10", MentorStatus.RESTRICTED, "x", "ops", "t3")
    assert len(registry.audit("10")) == 2                           # refused: nothing written


def test_governance_event_carries_the_audit_id_in_the_same_transaction(store):
    """The registry writes the event the domain builds, named by the audit row it just added
    (so two identical changes are two events), and none without an outbox."""
    with store.engine.connect() as conn:
        before = conn.execute(select(func.count()).select_from(OutboxMessage)).scalar_one()
    reported_mentors(store.engine, "10")
    _govern(MentorRegistry(store.engine), "10", MentorStatus.FROZEN, "quiet", "ops", "t0")
    registry = MentorRegistry(store.engine, outbox=True)
    for at in ("t1", "t2"):
        _govern(registry, "10", MentorStatus.ACTIVE, "back", "ops", at)
    with store.engine.connect() as conn:
        ids = conn.execute(select(MentorStatusChange.c.id).where(MentorStatusChange.c.mentor_id == "10")
                           .order_by(MentorStatusChange.c.id)).scalars().all()
        rows = conn.execute(select(OutboxMessage.c.event_id, OutboxMessage.c.payload)
                            .order_by(OutboxMessage.c.id)).all()[before:]
    assert len(ids) == 3 and len(rows) == 2
    expected = [status_changed("10", "frozen", "active", "back", "ops", "t1", ids[1]),
                status_changed("10", "active", "active", "back", "ops", "t2", ids[2])]
    assert [r[0] for r in rows] == [e.event_id for e in expected]
    assert [json.loads(r[1]) if isinstance(r[1], str) else r[1] for r in rows] == [
        e.message() for e in expected]


def test_import_seed_skips_known_ids_and_codes(store):
    store.record(_run(), [_entry(1)], lambda: None)
    added = store.import_entries([_entry(1, run="seed"), _entry(2, run="seed"),
                                  _entry(3, code="543570001", run="seed")])
    assert added == 1 and len(store.load()) == 2


def test_committed_names_the_run_folders_a_commit_recorded(store):
    """Recovery asks which sealed run folders were committed; ``%`` and ``_`` in a name (a
    host name may hold them) match only themselves."""
    import dataclasses

    folder = "20261206T101010-ab12cd34.4242.host_1"
    store.record(dataclasses.replace(_run(), out_dir=f"/srv/out/.smartalloc/runs/{folder}"),
                 [_entry(1)], lambda: None)
    assert store.committed([folder, "20261206T101010-ab12cd34.4242.host%1", "other"]) == {
        folder: "2026-11-25T10:00:00"}
    assert store.committed(["20261206T101010-ab12cd34.4242.hostX1"]) == {}
    assert store.committed([]) == {}


def test_a_runs_transaction_gets_a_wide_page_cache_and_gives_it_back(store):
    """Issue P: a run's history transaction keeps its pages in memory on SQLite (a 2 MB cache
    spilled them to the WAL and read them back); the pooled connection gets its size back."""
    from smartalloc.adapters.db.engine import RUN_CACHE_KIB

    sqlite = store.engine.dialect.name == "sqlite"

    def cache(raw) -> int | None:   # on the driver's connection, the pool's own
        return raw.execute("PRAGMA cache_size").fetchone()[0] if sqlite else None

    with store.unit_of_work() as uow:
        raw = uow._conn.connection.driver_connection
        before = -2000 if sqlite else None   # SQLite's default, which the pool's connections have
        during = cache(raw)
        uow.record(_run(), [_entry(1)])
        uow.commit()
    after = cache(raw)       # the same connection, back in the pool
    assert (before, during, after) == ((-2000, -RUN_CACHE_KIB, -2000) if sqlite
                                       else (None, None, None))
    assert [e.national_id for e in store.load()] == [national_id(1)]
