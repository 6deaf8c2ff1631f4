"""More of the real CLI: explain, matrix-only, overrides, hostile cells in the student report."""

from __future__ import annotations

import json
import shutil
import zipfile
from pathlib import Path

import xlsxwriter
from python_calamine import CalamineWorkbook

from smartalloc.domain.allocation_report import ALLOCATIONS_SHEET, OUTCOME_CODE, SUMMARY_SHEET
from smartalloc.domain.contracts import SABT_COLUMNS, STUDENT_COLUMNS, STUDENT_SHEET
from tests.outputs import visible

from .test_cli_run import cli, run_agency, sheet


def _student_rows(path: Path) -> list[list]:
    rows = CalamineWorkbook.from_path(str(path)).get_sheet_by_name(STUDENT_SHEET).to_python()
    return [[("" if v is None else (str(int(v)) if isinstance(v, float) else str(v))) for v in r]
            for r in rows]


def _write_students(path: Path, rows: list[list]) -> None:
    wb = xlsxwriter.Workbook(str(path), {"strings_to_numbers": False, "strings_to_formulas": False})
    ws = wb.add_worksheet(STUDENT_SHEET)
    for r, row in enumerate(rows):
        for c, value in enumerate(row):
            ws.write_string(r, c, value)
    wb.close()


def test_formula_text_in_a_student_cell_is_neutralised_on_output(small_agency, tmp_path):
    agency = tmp_path / "agency"
    shutil.copytree(small_agency.out_dir, agency)
    report = next(agency.glob("StudentReport*.xlsx"))
    rows = _student_rows(report)
    header = rows[0]
    first_name = header.index("نام")
    for row in rows[1:]:
        row[first_name] = "=cmd|' /C calc'!A0"
    _write_students(report, rows)
    done = run_agency(agency, tmp_path / "out", tmp_path / "h.sqlite")
    assert done.returncode == 0, done.stderr
    sabt = sheet(tmp_path / "out/import_to_sabt.xlsx", "Sheet2")
    names = {r[SABT_COLUMNS.index("نام")] for r in sabt[1:]}
    assert names == {"'=cmd|' /C calc'!A0"}
    with zipfile.ZipFile(tmp_path / "out/import_to_sabt.xlsx") as z:
        assert "<f>" not in z.read("xl/worksheets/sheet1.xml").decode()


def test_missing_required_student_column_names_file_sheet_and_column(small_agency, tmp_path):
    agency = tmp_path / "agency"
    shutil.copytree(small_agency.out_dir, agency)
    report = next(agency.glob("StudentReport*.xlsx"))
    rows = _student_rows(report)
    drop = rows[0].index("مرکز ثبت نام")
    _write_students(report, [r[:drop] + r[drop + 1:] for r in rows])
    done = run_agency(agency, tmp_path / "out", tmp_path / "h.sqlite")
    assert done.returncode == 2
    assert report.name in done.stderr and STUDENT_SHEET in done.stderr
    assert "مرکز ثبت نام" in done.stderr and "missing" in done.stderr.lower()
    assert "Traceback" not in done.stderr
    assert not (tmp_path / "out").exists() or not any((tmp_path / "out").iterdir())
    assert len(STUDENT_COLUMNS) == 59


def test_explain_prints_the_stages_and_why_not(small_agency, tmp_path):
    history = tmp_path / "h.sqlite"
    assert run_agency(small_agency.out_dir, tmp_path / "out", history).returncode == 0
    allocations = sheet(tmp_path / "out/allocation.xlsx", ALLOCATIONS_SHEET)
    header = allocations[0]
    row = next(r for r in allocations[1:] if r[header.index(OUTCOME_CODE)] == "ALLOCATED")
    nid, mentor = row[header.index("کد ملی")], row[header.index("کد کارمندی پشتیبان")]
    done = cli("explain", "--agency", str(small_agency.out_dir), "--national-id", nid,
               "--policy", str(small_agency.out_dir / "policy.json"), "--mentor", "9",
               env_history=history)
    assert done.returncode == 0, done.stderr
    for stage in ("type", "group", "gender", "graduation_status", "center", "finance", "school",
                  "capacity_gate"):
        assert stage in done.stdout
    assert f"mentor {mentor}" in done.stdout
    assert "Why not 9" in done.stdout and "(مسدود)" in done.stdout


def test_matrix_command_writes_only_the_matrix(small_agency, tmp_path):
    done = cli("matrix", "--agency", str(small_agency.out_dir), "--out", str(tmp_path / "m"),
               "--policy", str(small_agency.out_dir / "policy.json"))
    assert done.returncode == 0, done.stderr
    assert sorted(visible(tmp_path / "m")) == [
        "eligibility_matrix.csv", "eligibility_matrix.xlsx"]
    names = CalamineWorkbook.from_path(str(tmp_path / "m/eligibility_matrix.xlsx")).sheet_names
    assert names == ["matrix", "validation", "managers", "removed_mentors", "unmatched_schools",
                     "unseen_groups", "invalid_mentors", "meta"]


def test_overrides_drop_a_mentor_but_never_unfreeze(small_agency, tmp_path):
    summary_before = sheet_after_run(small_agency, tmp_path / "a", None)
    ids = [r[0] for r in summary_before[1:]]
    assert "9" not in ids                     # frozen in policy, present in the Inspactor file
    victim = ids[0]
    overrides = tmp_path / "overrides.json"
    overrides.write_text(json.dumps({victim: False, "9": True}), "utf-8")
    summary_after = sheet_after_run(small_agency, tmp_path / "b", overrides)
    after_ids = [r[0] for r in summary_after[1:]]
    assert victim not in after_ids and "9" not in after_ids


def sheet_after_run(agency, out: Path, overrides: Path | None) -> list[list]:
    args = ["run", "--agency", str(agency.out_dir), "--out", str(out), "--policy",
            str(agency.out_dir / "policy.json")]
    if overrides:
        args += ["--overrides", str(overrides)]
    done = cli(*args, env_history=out.with_suffix(".sqlite"))
    assert done.returncode == 0, done.stderr
    return sheet(out / "allocation.xlsx", SUMMARY_SHEET)
