"""The results page's view is what the run kept (issue Q): built from the run's domain
objects, stored by field name in its explanation file, and equal to what its workbook says —
without the page ever parsing the workbook."""

from __future__ import annotations

import sqlite3

from smartalloc.adapters.db.engine import sqlite_url
from smartalloc.adapters.db.store import SqlStore
from smartalloc.adapters.explain_file import ExplainFile
from smartalloc.adapters.input_reader import ExcelInputReader
from smartalloc.adapters.output_writer import ExcelOutputWriter
from smartalloc.domain.allocation_report import (
    ALLOCATIONS_SHEET,
    CAPACITY_PLAN_SHEET,
    OUTCOME_CODE,
    SUMMARY_SHEET,
    UNALLOCATED_SHEET,
)
from smartalloc.entrypoints.inputs import resolve_inputs
from smartalloc.service_layer.run_allocation import run_allocation
from smartalloc.service_layer.run_reports import RunRequest
from tests.outputs import records


def test_the_kept_view_matches_the_workbook(small_agency, agency_policy, tmp_path):
    out = tmp_path / "out"
    result = run_allocation(
        RunRequest(resolve_inputs(small_agency.out_dir), agency_policy, out, now="1404-09-15",
                   explanations=True),
        reader=ExcelInputReader(), writer=ExcelOutputWriter(),
        history=SqlStore(sqlite_url(tmp_path / "h.sqlite")))
    kept = ExplainFile(out / "explain.sqlite").results()

    summary = records(out / "allocation.xlsx", SUMMARY_SHEET)
    assert [(o.mentor_id, o.capacity, o.new) for o in kept.occupancy] == [
        (str(r["کد کارمندی پشتیبان"]), int(r["ظرفیت"]), int(r["تخصیص جدید"])) for r in summary]
    assert sum(o.new for o in kept.occupancy) == result.counts["allocated"]
    unallocated = records(out / "allocation.xlsx", UNALLOCATED_SHEET)
    assert sum(n for _, n, _ in kept.by_keys) == len(unallocated) > 0
    plan = records(out / "allocation.xlsx", CAPACITY_PLAN_SHEET)
    assert [(p.students, p.new_mentors_needed) for p in kept.plan] == [
        (int(r["دانش‌آموزان"]), int(r["پشتیبان جدید لازم"])) for r in plan]
    allocations: dict[str, dict] = {}
    for r in records(out / "allocation.xlsx", ALLOCATIONS_SHEET):   # a repeated id: its first row
        allocations.setdefault(str(r["کد ملی"]).zfill(10), r)
    assert len(kept.students) == len(allocations)
    for line in kept.students:
        row = allocations[line.national_id]
        assert (line.status, line.mentor_id, line.code) == (
            row[OUTCOME_CODE], str(row["کد کارمندی پشتیبان"] or ""),
            str(row["کد ثبت نام"] or ""))


def test_a_file_kept_before_summaries_still_shows_its_students(small_agency, agency_policy,
                                                                 tmp_path):
    out = tmp_path / "out"
    run_allocation(
        RunRequest(resolve_inputs(small_agency.out_dir), agency_policy, out, now="1404-09-15",
                   explanations=True),
        reader=ExcelInputReader(), writer=ExcelOutputWriter(),
        history=SqlStore(sqlite_url(tmp_path / "h.sqlite")))
    path = (out / "explain.sqlite").resolve()
    full = ExplainFile(path).results()
    with sqlite3.connect(path) as con:
        con.execute("DELETE FROM meta WHERE name = 'results'")
    older = ExplainFile(path).results()
    assert older.students == full.students and older.occupancy == [] and older.plan == []
    # one line per student id there (a repeated id counts once), every class still shown
    assert {c for _, _, c in older.by_keys} == {c for _, _, c in full.by_keys
                                                 if c != "DUPLICATE"}


_KEEP = """
import sys
from pathlib import Path
from smartalloc.adapters.db.engine import sqlite_url
from smartalloc.adapters.db.store import SqlStore
from smartalloc.adapters.input_reader import ExcelInputReader
from smartalloc.adapters.output_writer import ExcelOutputWriter
from smartalloc.adapters.policy_file import load_policy
from smartalloc.entrypoints.inputs import resolve_inputs
from smartalloc.service_layer.run_allocation import run_allocation
from smartalloc.service_layer.run_reports import RunRequest
agency, out = Path(sys.argv[1]), Path(sys.argv[2])
run_allocation(RunRequest(resolve_inputs(agency), load_policy(agency / "policy.json"), out,
                          now="1404-09-15", explanations=True),
               reader=ExcelInputReader(), writer=ExcelOutputWriter(),
               history=SqlStore(sqlite_url(out.parent / (out.name + ".sqlite"))))
"""


def test_the_kept_file_is_the_same_in_every_process(policy, tmp_path):
    """Two processes with different string hashes keep the same rows in the same order (the
    notes table was written in a set's order: the crash-resume comparison caught it)."""
    import os
    import subprocess
    import sys

    from smartalloc.synthetic import generate_agency

    agency = generate_agency(tmp_path / "agency", students=1500, mentors=60, seed=5,
                             policy=policy)
    dumps = []
    for seed in ("1", "2", "3"):
        out = tmp_path / f"out{seed}"
        done = subprocess.run([sys.executable, "-c", _KEEP, str(agency.out_dir), str(out)],
                              env={**os.environ, "PYTHONHASHSEED": seed}, capture_output=True,
                              text=True, timeout=300)
        assert done.returncode == 0, done.stderr
        with sqlite3.connect(out / "explain.sqlite") as conn:
            dumps.append(list(conn.iterdump()))
            assert conn.execute("SELECT count(*) FROM notes").fetchone()[0] > 10
    assert all(dump == dumps[0] for dump in dumps)
