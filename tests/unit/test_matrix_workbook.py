"""The matrix workbook and CSV: sheets, column order, text ids, labels, RTL, empty headers."""

from __future__ import annotations

import csv
import zipfile

import python_calamine

from smartalloc.adapters.matrix_workbook import (
    matrix_rows,
    write_matrix_csv,
    write_matrix_workbook,
)
from smartalloc.domain.centres import NOT_IN_REPORT_FA
from smartalloc.domain.contracts import MATRIX_COLUMNS
from smartalloc.domain.matrix import build_matrix
from smartalloc.domain.records import SchoolRecord

from .alloc_fixtures import default_policy
from .test_pool import GOLESTAN_MANAGER, mrec, report_of

SHEETS = ["matrix", "validation", "managers", "removed_mentors", "unmatched_schools", "unseen_groups",
          "invalid_mentors", "meta"]


def _matrix(policy):
    recs = [mrec("2", manager=GOLESTAN_MANAGER, gender="دختر", groups="3"),
            mrec("10", mtype="مدرسه", schools=("101", "999", "0", ""), groups="5"),
            mrec("11", covered=70, capacity=60, groups="3")]
    return build_matrix(report_of(*recs), [SchoolRecord(2, 101, "دبیرستان الف")], policy)


def _read(path):
    wb = python_calamine.load_workbook(str(path))
    return wb.sheet_names, {n: wb.get_sheet_by_name(n).to_python() for n in wb.sheet_names}


def test_workbook_sheets_columns_and_cells(tmp_path):
    policy = default_policy()
    matrix = _matrix(policy)
    path = tmp_path / "eligibility_matrix.xlsx"
    write_matrix_workbook(path, matrix, policy, {"inspactor_rows": 3})
    names, data = _read(path)
    assert names == SHEETS
    # D16: each manager with its mentor count, centre and how the centre was found
    managers = {r[0]: r for r in data["managers"][1:]}
    assert managers[GOLESTAN_MANAGER][1:5] == [1, 1, "گلستان", "نام مدیر در جدول مدیر ← مرکز"]
    assert managers["مدیر الف"][2:5] == [0, "مرکز", "مرکز پیش‌فرض (*)"]
    assert managers["لیلا آسمانی‌فر"][1:5] == [0, 2, "صدرا", NOT_IN_REPORT_FA]
    rows = data["matrix"]
    assert tuple(rows[0]) == MATRIX_COLUMNS and len(rows) == 1 + len(matrix.rows) == 1 + 6 + 3
    col = {c: i for i, c in enumerate(MATRIX_COLUMNS)}
    assert [r[0] for r in rows[1:]] == list(range(1, 10))           # counter 1..N
    first = rows[1]                                                   # centre 0 sorts first
    assert first[col["جایگزین"]] == "10" and first[col["کد کارمندی پشتیبان"]] == "10"  # text
    assert first[col["عادی مدرسه"]] == "مدرسه\u200cای" and first[col["کد مدرسه"]] == 101
    golestan = rows[-1]
    assert golestan[col["جایگزین"]] == "1002"
    assert golestan[col["جنسیت2"]] == "دختر" and golestan[col["مرکز گلستان صدرا3"]] == "گلستان"
    assert golestan[col["دانش آموز فارغ2"]] in ("دانش\u200cآموز", "فارغ\u200cالتحصیل")
    assert golestan[col["remaining_capacity"]] == 50
    validation = data["validation"]
    assert len(validation) == 2 and validation[1][validation[0].index("total_rows")] == 9
    assert data["removed_mentors"][1][0] == "11"
    assert data["unmatched_schools"][1][0] == "999"
    assert data["unseen_groups"] == [list(data["unseen_groups"][0])] and \
        data["unseen_groups"][0][0] == "group_token"                 # empty: header only
    assert data["invalid_mentors"][0][0] == "row_index"
    meta = {r[0]: r[1] for r in data["meta"][1:]}
    assert meta["policy_stamp"] == policy.stamp and meta["inspactor_rows"] == 3
    with zipfile.ZipFile(path) as z:
        sheet_xml = [n for n in z.namelist() if n.startswith("xl/worksheets/sheet")]
        assert len(sheet_xml) == len(SHEETS)
        assert all('rightToLeft="1"' in z.read(n).decode() for n in sheet_xml)


def test_csv_equals_the_matrix_sheet(tmp_path):
    policy = default_policy()
    matrix = _matrix(policy)
    path = tmp_path / "eligibility_matrix.csv"
    write_matrix_csv(path, matrix_rows(matrix.rows))
    with path.open(encoding="utf-8-sig", newline="") as handle:
        rows = list(csv.reader(handle))
    assert tuple(rows[0]) == MATRIX_COLUMNS and len(rows) == 10
    assert rows[1][0] == "1" and rows[1][1] == "10"


def test_the_writer_renders_the_matrix_rows_once_for_both_files(tmp_path, monkeypatch):
    """The CSV and the workbook are written by one process one after the other: they share
    one rendering of the matrix rows (issue P: 0.17 s of CPU at 100k), with the bytes each
    file has when written on its own."""
    from smartalloc.adapters import matrix_workbook
    from smartalloc.adapters.output_writer import ExcelOutputWriter

    monkeypatch.setenv("SMARTALLOC_WRITE_PROCESSES", "1")   # both files in this process
    policy = default_policy()
    matrix = _matrix(policy)
    alone = {"matrix": tmp_path / "alone.xlsx", "matrix_csv": tmp_path / "alone.csv"}
    write_matrix_workbook(alone["matrix"], matrix, policy, {"k": 1})
    write_matrix_csv(alone["matrix_csv"], matrix_rows(matrix.rows))
    renders, real = [], matrix_workbook.matrix_rows
    monkeypatch.setattr(matrix_workbook, "matrix_rows",
                        lambda rows: renders.append(1) or real(rows))
    staged = ExcelOutputWriter().start(tmp_path / "out", matrix, {"k": 1}, policy,
                                       names={"matrix": "alone.xlsx", "matrix_csv": "alone.csv"})
    staged.finish()
    assert renders == [1]
    assert {p.name: p.read_bytes() for p in staged.files} == {
        p.name: p.read_bytes() for p in alone.values()}
