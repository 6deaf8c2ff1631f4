"""The results page's view is what the run kept (issue Q): built from the run's domain
objects, stored by field name in its explanation file, and equal to what its workbook says —
without the page ever parsing the workbook."""

from __future__ import annotations

import sqlite3

from python_calamine import CalamineWorkbook

from smartalloc.adapters.db.engine import sqlite_url
from smartalloc.adapters.db.store import SqlStore
from smartalloc.adapters.explain_file import ExplainFile
from smartalloc.adapters.input_reader import ExcelInputReader
from smartalloc.adapters.output_writer import ExcelOutputWriter
from smartalloc.entrypoints.inputs import resolve_inputs
from smartalloc.service_layer.run_allocation import run_allocation
from smartalloc.service_layer.run_reports import RunRequest


def _sheet(path, name) -> list[dict]:
    rows = CalamineWorkbook.from_path(str(path)).get_sheet_by_name(name).to_python()
    return [dict(zip(rows[0], r, strict=False)) for r in rows[1:]]


def test_the_kept_view_matches_the_workbook(small_agency, agency_policy, tmp_path):
    out = tmp_path / "out"
    result = run_allocation(
        RunRequest(resolve_inputs(small_agency.out_dir), agency_policy, out, now="1404-09-15",
                   explanations=True),
        reader=ExcelInputReader(), writer=ExcelOutputWriter(),
        history=SqlStore(sqlite_url(tmp_path / "h.sqlite")))
    kept = ExplainFile(out / "explain.sqlite").results()

    summary = _sheet(out / "allocation.xlsx", "allocation_summary")
    assert [(o.mentor_id, o.capacity, o.new) for o in kept.occupancy] == [
        (str(r["mentor_id"]), int(r["capacity"]), int(r["allocations_new"])) for r in summary]
    assert sum(o.new for o in kept.occupancy) == result.counts["allocated"]
    unallocated = _sheet(out / "allocation.xlsx", "unallocated")
    assert sum(n for _, n, _ in kept.by_keys) == len(unallocated) > 0
    plan = _sheet(out / "allocation.xlsx", "capacity_plan")
    assert [(p.students, p.new_mentors_needed) for p in kept.plan] == [
        (int(r["students"]), int(r["new_mentors_needed"])) for r in plan]
    allocations: dict[str, dict] = {}
    for r in _sheet(out / "allocation.xlsx", "allocations"):   # a repeated id: its first row
        allocations.setdefault(str(r["national_id"]).zfill(10), r)
    assert len(kept.students) == len(allocations)
    for line in kept.students:
        row = allocations[line.national_id]
        assert (line.status, line.mentor_id, line.code) == (
            row["status"], str(row["mentor_id"] or ""), str(row["registration_code"] or ""))


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
