"""The restore drill (issue N): a real run, a backup, a second run that adds rows and advances
the counters, a restore — and the database equals the state at the backup, every table, every
row (and, on PostgreSQL, every sequence), on SQLite and on PostgreSQL. Then the refusals: a
tampered or truncated backup, a non-empty target without --force, a wrong key; the files'
mode; and a SQLite backup taken while another thread commits is one consistent snapshot."""

from __future__ import annotations

import os
import threading
import time
from collections import Counter as Tally
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import create_engine, inspect, text

from smartalloc import bootstrap_backups as wiring
from smartalloc.adapters.db.engine import make_engine
from smartalloc.adapters.db.mentor_registry import MentorRegistry
from smartalloc.adapters.db.migrate import upgrade
from smartalloc.adapters.db.store import SqlStore
from smartalloc.adapters.db.users import UserStore
from smartalloc.adapters.input_reader import ExcelInputReader
from smartalloc.adapters.output_writer import ExcelOutputWriter
from smartalloc.domain.errors import DatabaseError
from smartalloc.domain.policy import MentorStatus
from smartalloc.entrypoints.inputs import resolve_inputs
from smartalloc.service_layer.backups import (
    RestoreBackup,
    TakeBackup,
    VerifyBackup,
    manifest_path,
    restore_backup,
    take_backup,
    verify_backup,
)
from smartalloc.service_layer.mentor_governance import ChangeMentorStatus, change_mentor_status
from smartalloc.service_layer.run_allocation import RunRequest, run_allocation

NOW = datetime(2026, 11, 25, 1, 0, tzinfo=UTC)


# --- helpers ------------------------------------------------------------------------------
def _run(agency, policy, store, out, overrides):
    return run_allocation(RunRequest(resolve_inputs(agency.out_dir), policy, out,
                                     now="1404-09-01", overrides=overrides),
                          reader=ExcelInputReader(), writer=ExcelOutputWriter(), history=store)


def contents(url: str) -> dict[str, list[tuple]]:
    """Every table's every row (sorted), and on PostgreSQL every sequence's position: the
    database's whole state as data, compared with == (not counts)."""
    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            state = {name: sorted((tuple(row) for row in
                                   conn.execute(text(f'SELECT * FROM "{name}"'))), key=repr)
                     for name in inspect(conn).get_table_names()}
            if conn.dialect.name == "postgresql":
                for (seq,) in conn.execute(text(
                        "SELECT sequencename FROM pg_sequences WHERE schemaname = 'public'")):
                    state[f"sequence {seq}"] = [tuple(conn.execute(text(
                        f'SELECT last_value, is_called FROM "{seq}"')).one())]
        return state
    finally:
        engine.dispose()


def _engine(url):
    return wiring.engine_for_url(url)


def _backup(url, folder: Path, now=NOW, recipients=()):
    return take_backup(TakeBackup(folder, now, tuple(recipients)), _engine(url), wiring.files)


def _restore(url, backup: Path, **kwargs):
    return restore_backup(RestoreBackup(backup, **kwargs), _engine(url), wiring.files)


def _verify(url, backup: Path, identity=None):
    return verify_backup(VerifyBackup(backup, identity), wiring.scratch_engines(url),
                         wiring.files)


def _code(err) -> str:
    return err.value.problems[0].code


@pytest.fixture(scope="module")
def switched_off(small_agency, agency_policy, tmp_path_factory):
    """The busiest half of the mentors (from a scratch run): run A without them leaves
    students for run B, so B adds allocations and advances the counters."""
    where = tmp_path_factory.mktemp("scratch")
    scratch = SqlStore(f"sqlite:///{where / 'scratch.sqlite'}")
    _run(small_agency, agency_policy, scratch, where / "out", {})
    given = Tally(e.mentor_id for e in scratch.load()).most_common()
    return {mentor: False for mentor, _ in given[:len(given) // 2]}


@pytest.fixture(params=["sqlite", "postgresql"])
def database(request, tmp_path):
    """An empty system of record on each engine, the outbox on (so that table fills too)."""
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'db' / 'smartalloc.sqlite'}"
    else:
        url = request.getfixturevalue("pg_url")
        upgrade(url)
    return url, SqlStore(url, outbox=True)


def _govern(store, mentor_id, to, reason):
    change_mentor_status(ChangeMentorStatus(mentor_id, to, reason=reason, by="ops",
                                            at="1404-09-01 10:00:00"),
                         MentorRegistry(store.engine, outbox=True))


# --- the drill ------------------------------------------------------------------------------
def test_restore_drill_returns_every_table_to_the_backup(database, small_agency, agency_policy,
                                                         switched_off, tmp_path):
    url, store = database
    first = _run(small_agency, agency_policy, store, tmp_path / "a", switched_off)
    mentor = store.load()[0].mentor_id
    _govern(store, mentor, MentorStatus.FROZEN, "on leave")
    UserStore(store.engine).add("sara", "a-long-enough-password-1", "operator")
    at_backup = contents(url)
    assert all(at_backup[t] for t in ("تخصیص_ها", "شمارنده_ها", "تاریخچه_وضعیت_منتور",
                                     "صندوق_خروجی", "کاربران", "اجراها", "منتورها"))
    taken = _backup(url, tmp_path / "backups")

    _govern(store, mentor, MentorStatus.ACTIVE, "back")
    UserStore(store.engine).add("reza", "another-long-password-2", "operator")
    second = _run(small_agency, agency_policy, store, tmp_path / "b", {})
    after = contents(url)
    assert second.run_id != first.run_id and second.counts["allocated"] > 0
    assert len(after["تخصیص_ها"]) > len(at_backup["تخصیص_ها"])
    assert after["شمارنده_ها"] != at_backup["شمارنده_ها"]          # the counters moved on

    with pytest.raises(DatabaseError) as refused:                  # holds data: needs --force
        _restore(url, taken.path)
    assert _code(refused) == "RESTORE_TARGET_NOT_EMPTY"
    assert "تخصیص_ها" in str(refused.value) and contents(url) == after
    done = _restore(url, taken.path, force=True)
    assert done.replaced["تخصیص_ها"] == len(after["تخصیص_ها"])
    assert contents(url) == at_backup
    # the restored database works: the second run commits again on top of it
    again = _run(small_agency, agency_policy, SqlStore(url, outbox=True), tmp_path / "c", {})
    assert again.counts["allocated"] == second.counts["allocated"]


def test_restore_into_an_empty_database_needs_no_force(database, small_agency, agency_policy,
                                                       switched_off, tmp_path):
    url, store = database
    _run(small_agency, agency_policy, store, tmp_path / "a", switched_off)
    expected = contents(url)
    taken = _backup(url, tmp_path / "backups")
    if url.startswith("sqlite"):
        target = f"sqlite:///{tmp_path / 'fresh' / 'restored.sqlite'}"
    else:
        target = url.rsplit("/", 1)[0] + "/" + url.rsplit("/", 1)[1] + "_r"
        admin = create_engine(url, isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{target.rsplit("/", 1)[1]}"'))
        admin.dispose()
    try:
        assert _restore(target, taken.path).replaced == {}
        assert contents(target) == expected
    finally:
        if not url.startswith("sqlite"):
            admin = create_engine(url, isolation_level="AUTOCOMMIT")
            with admin.connect() as conn:
                conn.execute(text(f'DROP DATABASE "{target.rsplit("/", 1)[1]}" WITH (FORCE)'))
            admin.dispose()


# --- checksums, verify, files -----------------------------------------------------------------
def test_a_tampered_backup_is_refused_and_changes_nothing(database, small_agency, agency_policy,
                                                          switched_off, tmp_path):
    url, store = database
    _run(small_agency, agency_policy, store, tmp_path / "a", switched_off)
    taken = _backup(url, tmp_path / "backups")
    before = contents(url)
    data = bytearray(taken.path.read_bytes())
    data[len(data) // 2] ^= 0x01
    taken.path.write_bytes(bytes(data))
    with pytest.raises(DatabaseError) as refused:
        _restore(url, taken.path, force=True)
    assert _code(refused) == "BACKUP_CHECKSUM"
    with pytest.raises(DatabaseError) as failed:
        _verify(url, taken.path)
    assert _code(failed) == "BACKUP_CHECKSUM"
    assert contents(url) == before


def test_verify_passes_on_a_good_backup_and_fails_on_a_truncated_one(database, small_agency,
                                                                      agency_policy,
                                                                      switched_off, tmp_path):
    url, store = database
    _run(small_agency, agency_policy, store, tmp_path / "a", switched_off)
    taken = _backup(url, tmp_path / "backups")
    verified = _verify(url, taken.path)
    assert verified.facts == taken.manifest.facts and verified.facts.counters
    whole = taken.path.read_bytes()
    taken.path.write_bytes(whole[:len(whole) * 2 // 3])
    with pytest.raises(DatabaseError) as truncated:
        _verify(url, taken.path)
    assert _code(truncated) == "BACKUP_CHECKSUM"
    # truncated before the checksum was taken (the manifest agrees with the short file):
    # the scratch restore itself must fail
    manifest = manifest_path(taken.path)
    sha, size = wiring.files.sha256_of(taken.path)
    text_ = manifest.read_text("utf-8").replace(taken.manifest.sha256, sha)
    manifest.write_text(text_.replace(f'"size": {taken.manifest.size}', f'"size": {size}'))
    with pytest.raises(DatabaseError) as broken:
        _verify(url, taken.path)
    assert _code(broken) == "VERIFY_FAILED"


def test_backup_files_are_private_from_their_first_byte(tmp_path):
    url = f"sqlite:///{tmp_path / 'smartalloc.sqlite'}"
    SqlStore(url)
    old = os.umask(0o022)   # a permissive umask must not matter: files are created 0600
    try:
        taken = _backup(url, tmp_path / "backups")
    finally:
        os.umask(old)
    for path in (taken.path, manifest_path(taken.path)):
        assert os.stat(path).st_mode & 0o777 == 0o600, path
    assert sorted(p.name for p in (tmp_path / "backups").iterdir()) == \
        [taken.path.name, manifest_path(taken.path).name]          # no temp file left behind
    with pytest.raises(DatabaseError) as twice:                     # never over another backup
        _backup(url, tmp_path / "backups")
    assert _code(twice) == "BACKUP_EXISTS"


def test_encrypted_round_trip(database, small_agency, agency_policy, switched_off, tmp_path):
    url, store = database
    _run(small_agency, agency_policy, store, tmp_path / "a", switched_off)
    expected = contents(url)
    public = wiring.write_identity(tmp_path / "key.txt")
    assert os.stat(tmp_path / "key.txt").st_mode & 0o777 == 0o600
    taken = _backup(url, tmp_path / "backups", recipients=[public])
    assert taken.path.name.endswith(".age") and taken.manifest.encryption == "age-x25519"
    stored = taken.path.read_bytes()
    assert stored.startswith(b"age-encryption.org/v1")
    assert b"SQLite format 3" not in stored and b"PGDMP" not in stored
    assert _verify(url, taken.path, tmp_path / "key.txt").facts == taken.manifest.facts
    with pytest.raises(DatabaseError) as no_key:
        _restore(url, taken.path, force=True)
    assert _code(no_key) == "BACKUP_KEY_NEEDED"
    wiring.write_identity(tmp_path / "other.txt")
    with pytest.raises(DatabaseError) as wrong:
        _restore(url, taken.path, identity=tmp_path / "other.txt", force=True)
    assert _code(wrong) == "BACKUP_DECRYPT"
    _run(small_agency, agency_policy, store, tmp_path / "b", {})
    assert contents(url) != expected
    _restore(url, taken.path, identity=tmp_path / "key.txt", force=True)
    assert contents(url) == expected


def test_a_backup_of_the_other_engine_is_refused(tmp_path, pg_url):
    lite = f"sqlite:///{tmp_path / 'smartalloc.sqlite'}"
    SqlStore(lite)
    taken = _backup(lite, tmp_path / "backups")
    upgrade(pg_url)
    with pytest.raises(DatabaseError) as wrong:
        _restore(pg_url, taken.path, force=True)
    assert _code(wrong) == "BACKUP_WRONG_ENGINE"


# --- consistency under concurrent commits (SQLite) -----------------------------------------
def test_a_backup_taken_while_runs_commit_is_one_snapshot(tmp_path):
    """A writer commits, again and again, 40 run rows *and* the counter head = the number of
    runs, in one transaction each. Every backup taken meanwhile must satisfy that invariant
    (a torn copy would not), and the writer must have committed while the backups ran."""
    url = f"sqlite:///{tmp_path / 'smartalloc.sqlite'}"
    SqlStore(url)
    engine = make_engine(url)
    stop, commits = threading.Event(), [0]

    def writer():
        n = 0
        while not stop.is_set():
            with engine.begin() as conn:
                for _ in range(40):
                    n += 1
                    conn.execute(text(
                        'INSERT INTO "اجراها" VALUES (:i, \'t\', \'p\', \'{}\', \'{}\', '
                        '\'PASSED_QA\', \'\')'), {"i": f"run{n:08d}"})
                conn.execute(text('INSERT INTO "شمارنده_ها" VALUES (1404, \'357\', :n) ON '
                                  'CONFLICT DO UPDATE SET "آخرین_شماره" = :n'), {"n": n})
            commits[0] += 1

    thread = threading.Thread(target=writer)
    thread.start()
    try:
        taken = []
        for i in range(8):
            while commits[0] < 5 * (i + 1) and thread.is_alive():   # let the writer move on
                time.sleep(0.001)
            taken.append(_backup(url, tmp_path / "backups", NOW + timedelta(seconds=i)))
    finally:
        stop.set()
        thread.join()
        engine.dispose()
    assert commits[0] >= 40, "the writer stopped"
    heads = []
    for backup in taken:
        facts = backup.manifest.facts
        (head,) = facts.counters
        assert facts.tables["اجراها"] == head[2] > 0, backup.path.name
        copy = contents(f"sqlite:///{backup.path}")
        assert len(copy["اجراها"]) == copy["شمارنده_ها"][0][2], backup.path.name
        heads.append(head[2])
    assert heads == sorted(heads) and len(set(heads)) == len(heads)   # commits went on between
