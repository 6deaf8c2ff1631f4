"""Exports after review on the real database (issue K), SQLite and PostgreSQL.

With no review a version is the run's own ImportToSabt again, byte for byte (the database path
agrees with the engine's). After a release, a move and an administrator's exception, the new
version's Sheet2 holds exactly the database's allocations of the run (mentor and code per
student, read back with calamine), the changes-only workbook holds exactly the changed rows and
the released students, QA passes and lists the exception, and the version history names both
versions. Reports other than the run's are refused, as is a version with nothing new."""

from __future__ import annotations

import os
import random
import shutil
import subprocess
import sys

import pytest
from python_calamine import CalamineWorkbook
from sqlalchemy import select

from smartalloc.adapters.db.schema import Allocation, Run
from smartalloc.adapters.review_export_files import CHANGES, FULL, QA, RELEASED_SHEET
from smartalloc.bootstrap import bootstrap
from smartalloc.domain.contracts import SABT_SHEET
from smartalloc.domain.errors import ConflictError, InputError
from smartalloc.domain.review import ReviewRefused
from smartalloc.entrypoints.inputs import choose_policy, resolve_inputs
from tests.integration.test_concurrency_postgres import _batches
from tests.integration.test_review_store import _act, _allocations, _run, url  # noqa: F401

AT = "1405-09-16 10:00:00"


def _export(system, agency, run_id, root, students=None):
    return system.export_after_review(run_id, resolve_inputs(agency, students=students),
                                      choose_policy(agency, None), by="op", at=AT, root=root)


def _rows(path, sheet=SABT_SHEET) -> list[list]:
    return CalamineWorkbook.from_path(str(path)).get_sheet_by_name(sheet).to_python()[1:]


def _run_id(system) -> str:
    with system.engine.connect() as conn:
        return conn.execute(select(Run.c.run_id)).scalar_one()


def _of_run(system, run_id) -> dict[str, tuple[str, str]]:
    with system.engine.connect() as conn:
        return {n: (m, c) for n, m, c in conn.execute(
            select(Allocation.c.national_id, Allocation.c.mentor_id, Allocation.c.code)
            .where(Allocation.c.run_id == run_id))}


def test_versions_after_review_hold_the_database(small_agency, tmp_path, url):  # noqa: F811
    agency, out = small_agency.out_dir, tmp_path / "out"
    _run(agency, out, url)
    system = bootstrap(url)
    run_id = _run_id(system)

    first = _export(system, agency, run_id, tmp_path / "v")
    assert first.version == 2 and first.changed == 0 and first.qa_status == "PASSED_QA"
    own = (out / "import_to_sabt.xlsx").resolve().read_bytes()
    assert (tmp_path / "v" / "review" / run_id / "v2" / FULL).read_bytes() == own

    allocated = sorted(_allocations(system).items())
    (released, _), (moved, (was, code)) = allocated[0], allocated[1]
    other = next(m for _, (m, _c) in allocated if m != was)
    _act(system, agency, released, "release")
    _act(system, agency, moved, "move", other, exception=True, admin=True, by="admin")

    second = _export(system, agency, run_id, None)       # the run's own output folder
    folder = out / "review" / run_id / "v3"
    assert second.folder == str(folder) and second.version == 3
    assert (second.changed, second.exceptions, second.qa_status) == (2, 1, "PASSED_QA")
    now = _of_run(system, run_id)
    full = _rows(folder / FULL)
    assert {r[6]: (r[0], r[1]) for r in full} == now and len(full) == len(now)
    assert [(r[6], r[0], r[1]) for r in _rows(folder / CHANGES)] == [(moved, other, code)]
    assert [r[0] for r in _rows(folder / CHANGES, RELEASED_SHEET)] == [released]
    listed = _rows(folder / QA, "موارد فهرست‌شده")
    assert [r[1] for r in listed] == [moved] and "admin" in listed[0][2]
    assert [v.version for v in system.review_exports().versions(run_id)] == [2, 3]

    with pytest.raises(ReviewRefused, match="version 3"):
        _export(system, agency, run_id, None)
    assert [v.version for v in system.review_exports().versions(run_id)] == [2, 3]


def test_other_reports_are_refused(small_agency, tmp_path, sqlite_url):
    agency = small_agency.out_dir
    first, second = _batches(agency, tmp_path)[:2]
    _run(agency, tmp_path / "a", sqlite_url, "--students", str(first))
    system = bootstrap(sqlite_url)
    with pytest.raises(InputError) as refused:
        _export(system, agency, _run_id(system), tmp_path / "v", students=second)
    assert refused.value.problems[0].code == "REVIEW_EXPORT_OTHER_REPORTS"
    assert not (tmp_path / "v").exists()


def test_an_unrecorded_version_is_replaced_and_a_failed_record_leaves_nothing(
        small_agency, tmp_path, sqlite_url, monkeypatch):
    """A kill between the folder's rename and the commit leaves a whole v2 the history does
    not name: the next export takes the number again. A commit that fails removes the folder."""
    agency = small_agency.out_dir
    _run(agency, tmp_path / "a", sqlite_url)
    system = bootstrap(sqlite_url)
    run_id = _run_id(system)
    leftover = tmp_path / "v" / "review" / run_id / "v2"
    leftover.mkdir(parents=True)
    (leftover / "stale.xlsx").write_bytes(b"x")

    from smartalloc.adapters.db import review_exports

    def broken(self):
        raise RuntimeError("disk full")

    monkeypatch.setattr(review_exports._Transaction, "commit", broken)
    with pytest.raises(RuntimeError):
        _export(system, agency, run_id, tmp_path / "v")
    assert not leftover.exists() and system.review_exports().versions(run_id) == []
    monkeypatch.undo()
    made = _export(system, agency, run_id, tmp_path / "v")
    assert made.version == 2 and sorted(p.name for p in leftover.iterdir()) == sorted(
        [CHANGES, FULL, QA])
    shutil.rmtree(tmp_path / "v")


@pytest.mark.parametrize("seed", [3, 11])
def test_after_any_sequence_of_actions_the_latest_version_is_the_database(
        small_agency, tmp_path, sqlite_url, seed):
    """Acceptance of issue K: random assign / move / release (some refused, some exceptions),
    a version after every few: its Sheet2 is the database's allocations of the run, its delta is
    the students changed since the previous version, QA passes, and every change is in the audit
    with its reason."""
    agency = small_agency.out_dir
    _run(agency, tmp_path / "out", sqlite_url)
    system = bootstrap(sqlite_url)
    run_id = _run_id(system)
    rng = random.Random(seed)
    students = sorted(_of_run(system, run_id))
    mentors = sorted({m for m, _ in _of_run(system, run_id).values()})
    done, touched = 0, set()
    for step in range(24):
        nid, now = rng.choice(students), _of_run(system, run_id)
        action = "release" if nid in now and rng.random() < 0.4 else (
            "move" if nid in now else "assign")
        target = "" if action == "release" else rng.choice(mentors)
        admin = rng.random() < 0.5
        try:
            _act(system, agency, nid, action, target, exception=admin, admin=admin)
        except (ConflictError, InputError):
            continue                                        # refused: nothing written
        done += 1
        touched.add(nid)
        if step % 4 == 3:
            version = _export(system, agency, run_id, tmp_path / "v")
            folder = tmp_path / "v" / "review" / run_id / f"v{version.version}"
            after = _of_run(system, run_id)
            assert {r[6]: (r[0], r[1]) for r in _rows(folder / FULL)} == after
            changed = {r[6] for r in _rows(folder / CHANGES)}
            released = {r[0] for r in _rows(folder / CHANGES, RELEASED_SHEET)}
            assert changed | released == touched and changed <= set(after)
            assert not released & set(after)
            assert version.qa_status == "PASSED_QA"
            touched = set()
    audit = system.review().changes()
    assert len(audit) == done >= 6 and all(c.reason for c in audit)
    assert {str(c.action) for c in audit} >= {"release", "move"}


def test_the_cli_makes_and_lists_versions(small_agency, tmp_path, sqlite_url):
    agency = small_agency.out_dir
    _run(agency, tmp_path / "out", sqlite_url)
    run_id = _run_id(bootstrap(sqlite_url))
    cli = [sys.executable, "-m", "smartalloc.entrypoints.cli", "review"]
    made = subprocess.run([*cli, "export", run_id, "--agency", str(agency), "--by", "op",
                           "--database-url", sqlite_url], capture_output=True, text=True,
                          timeout=300)
    assert made.returncode == 0, made.stderr[-2000:]
    assert "version 2" in made.stdout and "PASSED_QA" not in made.stdout
    assert (tmp_path / "out" / "review" / run_id / "v2" / FULL
                                           ).exists()
    again = subprocess.run([*cli, "export", run_id, "--agency", str(agency),
                            "--database-url", sqlite_url], capture_output=True, text=True,
                           timeout=300)
    assert again.returncode != 0 and "nothing has changed since version 2" in (
        again.stdout + again.stderr)
    listed = subprocess.run([*cli, "versions", run_id, "--database-url", sqlite_url],
                            capture_output=True, text=True, timeout=300,
                            env={**os.environ, "COLUMNS": "250"})
    assert listed.returncode == 0 and "QA passed" in listed.stdout, listed.stderr[-2000:]
    unknown = subprocess.run([*cli, "versions", "nope", "--database-url", sqlite_url],
                             capture_output=True, text=True, timeout=300)
    assert unknown.returncode != 0 and "no such run" in unknown.stdout + unknown.stderr


def test_a_mentor_frozen_since_the_run_keeps_its_students_in_the_version(
        small_agency, tmp_path, sqlite_url):
    """Freezing a mentor after the run stops it entering the next runs; it does not make its
    students of this run wrong: the version still holds them and QA passes."""
    agency = small_agency.out_dir
    _run(agency, tmp_path / "out", sqlite_url)
    system = bootstrap(sqlite_url)
    run_id = _run_id(system)
    held = _of_run(system, run_id)
    mentor = sorted(m for m, _ in held.values())[0]
    frozen = subprocess.run([sys.executable, "-m", "smartalloc.entrypoints.cli", "mentors",
                             "freeze", mentor, "--reason", "مرخصی", "--database-url",
                             sqlite_url], capture_output=True, text=True, timeout=300)
    assert frozen.returncode == 0, frozen.stderr[-2000:]
    version = _export(system, agency, run_id, tmp_path / "v")
    assert version.qa_status == "PASSED_QA" and version.rows == len(held)
    full = _rows(tmp_path / "v" / "review" / run_id / "v2" / FULL)
    assert sum(r[0] == mentor for r in full) == sum(m == mentor for m, _ in held.values())
