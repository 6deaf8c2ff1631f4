"""Issue J: the allocation and QA workbooks are for people — Persian sheets, headers and values,
the machine codes kept in «… (کد)» columns — and every output sheet has its columns fitted to
its content and an autofilter, byte-deterministically; LibreOffice opens them."""

from __future__ import annotations

import csv
import re
import shutil
import subprocess
import zipfile
from pathlib import Path

import pytest
from python_calamine import CalamineWorkbook

from smartalloc.adapters.db.engine import sqlite_url
from smartalloc.adapters.db.store import SqlStore
from smartalloc.adapters.input_reader import ExcelInputReader
from smartalloc.adapters.output_writer import ExcelOutputWriter
from smartalloc.adapters.qa_workbook import SUMMARY_SHEET as QA_SUMMARY
from smartalloc.domain import glossary
from smartalloc.domain.allocation_report import (
    ALLOCATION_SHEETS,
    ALLOCATIONS_SHEET,
    CHANNEL_CODE,
    OUTCOME,
    OUTCOME_CODE,
)
from smartalloc.domain.contracts import SABT_COLUMNS
from smartalloc.entrypoints.inputs import resolve_inputs
from smartalloc.service_layer.run_allocation import run_allocation
from smartalloc.service_layer.run_reports import RunRequest
from tests.outputs import records, workbook_sheet

SNAKE = re.compile(r"^[a-z]+(_[a-z0-9]+)+$")
# Every code a person must not read: the glossary's codes and Python's booleans.
CODES = ({str(c) for table in glossary.ALL.values() for c in table if not isinstance(c, bool | int)}
         | {"True", "False"})


@pytest.fixture(scope="module")
def run_out(small_agency, agency_policy, tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("people") / "out"
    run_allocation(RunRequest(resolve_inputs(small_agency.out_dir), agency_policy, out,
                              now="1404-09-15", trace_sheet=True),   # every sheet there is
                   reader=ExcelInputReader(), writer=ExcelOutputWriter(),
                   history=SqlStore(sqlite_url(out.parent / "h.sqlite")))
    return out


def _xml(path: Path, sheet: int) -> str:
    with zipfile.ZipFile(path) as z:
        return z.read(f"xl/worksheets/sheet{sheet}.xml").decode()


def _widths(xml: str) -> list[float]:
    widths = []
    for lo, hi, w in re.findall(r'<col min="(\d+)" max="(\d+)" width="([\d.]+)"', xml):
        widths += [float(w)] * (int(hi) - int(lo) + 1)
    return widths


def test_sheets_and_headers_are_persian_with_the_codes_in_their_own_columns(run_out):
    book = CalamineWorkbook.from_path(str(run_out / "allocation.xlsx"))
    assert book.sheet_names == [*ALLOCATION_SHEETS, "برنامه ظرفیت", "مشخصات اجرا"]
    for name in book.sheet_names:
        header = book.get_sheet_by_name(name).to_python()[0]
        assert not [h for h in header if SNAKE.match(str(h))], (name, header)
    rows = records(run_out / "allocation.xlsx", ALLOCATIONS_SHEET)
    allocated = [r for r in rows if r[OUTCOME_CODE] == "ALLOCATED"]
    assert allocated and all(r[OUTCOME] == "تخصیص داده شد" for r in allocated)
    failed = [r for r in rows if r[OUTCOME_CODE] == "FAILED"]
    assert failed and all(r["علت عدم تخصیص"] == glossary.fa(glossary.FAILURE_CLASSES,
                                                               r["علت (کد)"]) for r in failed)
    assert {r[CHANNEL_CODE] for r in rows} <= set(glossary.CHANNELS)
    assert {r["کانال"] for r in rows} <= {t.fa for t in glossary.CHANNELS.values()}
    assert {r["پیش‌تر تخصیص یافته"] for r in rows} <= {"بله", "خیر"}
    qa = records(run_out / "qa.xlsx", QA_SUMMARY)
    assert [r["نتیجه"] for r in qa] == ["برقرار است"] * 6
    assert qa[0]["قاعده (کد)"] == "QA_RULE_STU_01"


def test_no_cell_meant_for_a_person_shows_an_internal_code(run_out):
    for book in ("allocation.xlsx", "qa.xlsx"):
        path = run_out / book
        for name in CalamineWorkbook.from_path(str(path)).sheet_names:
            rows = workbook_sheet(path, name)
            people = [i for i, h in enumerate(rows[0]) if not str(h).endswith("(کد)")]
            shown = {str(r[i]) for r in rows[1:] for i in people if i < len(r)}
            assert not shown & CODES, (book, name, shown & CODES)
            assert not any(v is True or v is False for r in rows[1:] for v in r), (book, name)


def test_columns_are_as_wide_as_their_content_and_every_sheet_is_filtered(run_out):
    for book, sheets in (("allocation.xlsx", 7), ("qa.xlsx", 3), ("import_to_sabt.xlsx", 3),
                         ("eligibility_matrix.xlsx", 8)):
        path = run_out / book
        names = CalamineWorkbook.from_path(str(path)).sheet_names
        assert len(names) == sheets
        for i, name in enumerate(names, start=1):
            rows = workbook_sheet(path, name)
            xml = _xml(path, i)
            last = chr(ord("A") + len(rows[0]) - 1) if len(rows[0]) <= 26 else None
            found = re.search(r'<autoFilter ref="A1:([A-Z]+)(\d+)"/>', xml)
            assert found, (book, name)
            assert int(found[2]) == len(rows) and (last is None or found[1] == last)
            assert xml.index("</sheetData>") < xml.index("<autoFilter")
            widths = _widths(xml)
            assert len(widths) == len(rows[0]) and all(8 <= w <= 60 for w in widths)
    trace = _widths(_xml(run_out / "allocation.xlsx", 3))
    assert len(set(trace)) > 3                       # not every column 14 wide any more
    allocations = records(run_out / "allocation.xlsx", ALLOCATIONS_SHEET)
    header = list(allocations[0])
    widths = _widths(_xml(run_out / "allocation.xlsx", 1))
    assert widths[header.index("دلیل")] == 60        # long Persian reasons: the cap
    assert widths[header.index("جنسیت")] < 15        # a 0/1 column stays narrow
    sabt = workbook_sheet(run_out / "import_to_sabt.xlsx", "Sheet2")
    assert tuple(sabt[0]) == SABT_COLUMNS            # Sabt's contract is untouched
    with zipfile.ZipFile(run_out / "allocation.xlsx") as z:
        book = z.read("xl/workbook.xml").decode()
    assert book.count('name="_xlnm._FilterDatabase"') == 7
    assert f"'{ALLOCATIONS_SHEET}'!$A$1:$" in book


def test_the_fitted_filtered_workbooks_are_byte_deterministic(run_out, small_agency,
                                                             agency_policy, tmp_path):
    again = tmp_path / "again"
    run_allocation(RunRequest(resolve_inputs(small_agency.out_dir), agency_policy, again,
                              now="1404-09-15", trace_sheet=True),
                   reader=ExcelInputReader(), writer=ExcelOutputWriter(),
                   history=SqlStore(sqlite_url(tmp_path / "h.sqlite")))
    for book in ("allocation.xlsx", "qa.xlsx", "import_to_sabt.xlsx"):
        first, second = (run_out / book).read_bytes(), (again / book).read_bytes()
        assert first == second, book
        with zipfile.ZipFile(again / book) as z:
            assert b"<autoFilter" in z.read("xl/worksheets/sheet1.xml"), book


@pytest.mark.skipif(shutil.which("soffice") is None, reason="LibreOffice is not installed")
def test_libreoffice_opens_the_workbooks_and_keeps_the_persian_headers(run_out, tmp_path):
    for book, sheet in (("allocation.xlsx", ALLOCATIONS_SHEET), ("qa.xlsx", QA_SUMMARY)):
        source = tmp_path / book
        shutil.copyfile(run_out / book, source)        # the published file is a link
        done = subprocess.run(
            ["soffice", f"-env:UserInstallation=file://{tmp_path}/lo-profile", "--headless",
             "--convert-to", "csv:Text - txt - csv (StarCalc):44,34,76", "--outdir",
             str(tmp_path), str(source)], capture_output=True, text=True, timeout=180)
        assert done.returncode == 0, done.stderr
        with open(tmp_path / source.with_suffix(".csv").name, encoding="utf-8") as handle:
            header = next(csv.reader(handle))
        assert header == workbook_sheet(run_out / book, sheet)[0], (book, header)
    assert "وضعیت (کد)" in records(run_out / "allocation.xlsx", ALLOCATIONS_SHEET)[0]
