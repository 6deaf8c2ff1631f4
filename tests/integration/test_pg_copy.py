"""COPY on PostgreSQL (issue P) writes exactly what ``executemany`` writes: the same run into two
scratch databases, COPY on in one and off in the other, leaves every table (and sequence)
equal — a first run, its replay over rows already there, an outbox with events already sent,
a governance change. Awkward values (Persian text, tabs, newlines, backslashes, ``\\.``,
NULLs, JSON) and keys given twice in one batch are compared the same way, and a broken key
under COPY is still the operator's ``HISTORY_CONFLICT`` with nothing written."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy import MetaData, create_engine, select, text, update

from smartalloc.adapters.db import pg_copy
from smartalloc.adapters.db.mentor_registry import MentorRegistry
from smartalloc.adapters.db.migrate import upgrade
from smartalloc.adapters.db.outbox import write_outbox
from smartalloc.adapters.db.schema import Mentor, OutboxMessage, Student
from smartalloc.adapters.db.scratch import LOCAL_SERVER, ScratchDatabases
from smartalloc.adapters.db.store import SqlStore
from smartalloc.adapters.db.upsert import insert_rows, upsert
from smartalloc.domain.errors import HistoryError
from smartalloc.domain.events import Event
from smartalloc.domain.policy import MentorStatus
from smartalloc.service_layer.mentor_governance import ChangeMentorStatus, change_mentor_status

from .test_pipeline_postgres import _run

ON, OFF = 1, 10**9          # pg_copy.MIN_ROWS: COPY for every write / for none


@pytest.fixture
def two_databases() -> Iterator[tuple[str, str]]:
    dbs = ScratchDatabases("smartalloc_test", LOCAL_SERVER)
    try:
        urls = dbs.url(dbs.create("copy")), dbs.url(dbs.create("rows"))
        for url in urls:
            upgrade(url)
        yield urls
    finally:
        dbs.drop_all()


def _dump(url: str) -> dict[str, list]:
    """Every table's rows (ordered by key) and every sequence's position."""
    engine = create_engine(url)
    try:
        meta = MetaData()
        meta.reflect(engine)
        with engine.connect() as conn:
            tables = {t.name: [tuple(r) for r in conn.execute(
                select(t).order_by(*(t.primary_key.columns or t.columns)))]
                for t in meta.sorted_tables}
            sequences = conn.execute(text(
                "SELECT sequencename, last_value FROM pg_sequences ORDER BY 1")).all()
        return {**tables, "sequences": [tuple(s) for s in sequences]}
    finally:
        engine.dispose()


class Capturing(SqlStore):
    """Keeps what a run handed to its transaction, to hand the same to another database."""

    def _write_run(self, conn, run, entries, snapshot, events):
        self.captured = (run, list(entries), snapshot, list(events()) if events else [])
        super()._write_run(conn, run, entries, snapshot, events)


def _write(url: str, captured, min_rows: int, monkeypatch) -> None:
    monkeypatch.setattr(pg_copy, "MIN_ROWS", min_rows)
    run, entries, snapshot, events = captured
    SqlStore(url).record(run, entries, snapshot=snapshot, events=events)


def test_copy_writes_the_same_rows_as_executemany(small_agency, policy, two_databases,
                                                  sqlite_url, tmp_path, monkeypatch):
    lite = Capturing(sqlite_url, outbox=True)
    _run(small_agency, policy, tmp_path / "out", lite)
    run = lite.captured
    assert len(run[1]) > 100 and len(run[3]) > 300          # a real run: rows and events
    copy_url, rows_url = two_databases
    for url, min_rows in ((copy_url, ON), (rows_url, OFF)):
        _write(url, run, min_rows, monkeypatch)
        with create_engine(url).begin() as conn:            # the relay sent some of them
            conn.execute(update(OutboxMessage).where(OutboxMessage.c.id % 3 == 0)
                         .values(sent_at="2026-12-01T00:00:00"))
        _write(url, run, min_rows, monkeypatch)             # replay: every key already there
        change_mentor_status(ChangeMentorStatus(run[2].mentors[0].mentor_id,
                                                MentorStatus.FROZEN, "on leave", "lead",
                                                "2026-12-02T00:00:00"),
                             MentorRegistry(create_engine(url), outbox=True))
    copied, inserted = _dump(copy_url), _dump(rows_url)
    assert copied.keys() == inserted.keys()
    for table in copied:
        assert copied[table] == inserted[table], table
    assert len(copied["صندوق_خروجی"]) == len(run[3]) + 1 and len(copied["تخصیص_ها"]) == len(run[1])


AWKWARD = ["علی\tرضا", "نام\nدو خطی", "back\\slash", "\\.", "«زهرا» \"quoted\"", "", "ي ك ی ک",
           "a\r\nb", "\\N", "کد\\t"]


def _awkward_rows(url: str, min_rows: int, monkeypatch) -> None:
    monkeypatch.setattr(pg_copy, "MIN_ROWS", min_rows)
    students = [{"national_id": f"{i:010d}", "first_name": name, "last_name": AWKWARD[-1 - i],
                 "group_code": None if i % 2 else i, "gender": None, "graduation_status": 1,
                 "center": None, "finance": i, "school_code": None, "last_run_id": "r"}
                for i, name in enumerate(AWKWARD)]
    mentors = [{"mentor_id": m, "name": name, "manager": "مدیر", "gender": None, "center": 0,
                "capacity": 60, "covered": 0, "report_sha": "", "alias": "",
                "status": "active", "allowed_channels": "[]", "allowed_schools": '["۱۲"]'}
               for m, name in (("7", "اول"), ("8", "تنها"), ("7", "دوم"), ("7", "سوم\t"))]
    events = [Event(f"00000000-0000-0000-0000-{i % 5:012d}", "StudentImported",
                    "2026-12-01", "r", {"نام": name, "none": None}) for i, name in
              enumerate(AWKWARD)]                              # ids repeat: the first is kept
    engine = create_engine(url)
    try:
        with engine.begin() as conn:
            upsert(conn, Student, students, ["national_id"], ["first_name", "last_name"])
            upsert(conn, Student, students[::-1], ["national_id"], ["first_name", "group_code"])
            upsert(conn, Mentor, mentors, ["mentor_id"], ["name", "gender"])
            insert_rows(conn, OutboxMessage, [{"event_id": "x", "event_type": "T",
                                               "payload": '{"a": "\\\\."}', "occurred_at": "",
                                               "run_id": "", "sent_at": None, "schema_version": 1,
                                               "attempts": 0}])
            write_outbox(conn, events)
    finally:
        engine.dispose()


def test_awkward_values_and_repeated_keys_survive_copy(two_databases, monkeypatch):
    copy_url, rows_url = two_databases
    _awkward_rows(copy_url, ON, monkeypatch)
    _awkward_rows(rows_url, OFF, monkeypatch)
    copied, inserted = _dump(copy_url), _dump(rows_url)
    for table in ("دانش_آموزان", "منتورها", "صندوق_خروجی", "sequences"):
        assert copied[table] == inserted[table], table
    names = {r[0]: r[1] for r in copied["دانش_آموزان"]}
    assert sorted(names.values()) == sorted(AWKWARD)
    assert [r[1] for r in copied["منتورها"]] == ["سوم\t", "تنها"]


def test_a_key_committed_after_the_check_is_upserted_as_on_conflict_would(two_databases,
                                                                          monkeypatch):
    """Another writer may commit a key between the check and the COPY (a governance change
    adding a mentor): the COPY rolls back to its savepoint and the temp-table upsert runs."""
    copy_url, rows_url = two_databases
    monkeypatch.setattr(pg_copy, "_absent", lambda *_: True)     # the check saw nothing
    _awkward_rows(copy_url, ON, monkeypatch)
    _awkward_rows(rows_url, OFF, monkeypatch)
    copied, inserted = _dump(copy_url), _dump(rows_url)
    for table in ("دانش_آموزان", "منتورها"):
        assert copied[table] == inserted[table], table
    # the outbox's rows are the same; a failed COPY used serial ids (gaps, as ON CONFLICT makes)
    assert [r[1:] for r in copied["صندوق_خروجی"]] == [r[1:] for r in inserted["صندوق_خروجی"]]


def test_a_second_allocation_under_copy_is_a_named_conflict_and_writes_nothing(
        pg_url, monkeypatch):
    from .test_store import _entry
    from .test_store import _run as _record

    monkeypatch.setattr(pg_copy, "MIN_ROWS", ON)
    upgrade(pg_url)
    store = SqlStore(pg_url)
    store.record(_record(), [_entry(1), _entry(2)], lambda: None)
    before = _dump(pg_url)
    with pytest.raises(HistoryError) as err:
        store.record(_record("r2"), [_entry(3, code="543570003", run="r2"),
                                     _entry(4, code="543570001", run="r2")], lambda: None)
    assert "HISTORY_CONFLICT" in str(err.value) and "543570001" not in str(err.value)
    assert _dump(pg_url) == before
