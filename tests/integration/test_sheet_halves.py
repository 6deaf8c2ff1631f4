"""A student sheet cut in two and parsed on both cores (``sheet_halves``, issue P) reads as the
whole sheet reads: the same rows in the same places, the same first and last cell — with blank
rows at the cut, a first column blank in one half, one half wider, shared strings, dates,
merged cells. Where a cut could change what calamine reads (CDATA, comments, a prefixed
namespace, a row without its number) there is none; where the halves do not join, or a half
cannot be parsed, the sheet is parsed whole. A run's students are the same either way."""

from __future__ import annotations

import os
import shutil
import zipfile
from pathlib import Path

import pytest

import smartalloc.adapters.parallel as parallel
from smartalloc.adapters import sheet_halves, student_check
from smartalloc.adapters.excel_reader import Workbook
from smartalloc.adapters.input_reader import ExcelInputReader
from smartalloc.domain.errors import InputError
from smartalloc.entrypoints.inputs import resolve_inputs
from tests.fuzz.builders import NS, package

SHEET = "Sabt (5)"
STYLES = (f'<?xml version="1.0"?><styleSheet xmlns="{NS}"><cellXfs count="2"><xf numFmtId="0"/>'
          '<xf numFmtId="14" applyNumberFormat="1"/></cellXfs></styleSheet>')
SHARED = (f'<?xml version="1.0"?><sst xmlns="{NS}" count="2" uniqueCount="2"><si><t>مشترک</t>'
          "</si><si><t>shared</t></si></sst>")


def _cell(ref: str, value: object) -> str:
    if isinstance(value, tuple):          # ("s", index) shared string, ("d", serial) date
        kind, v = value
        return f'<c r="{ref}" t="s"><v>{v}</v></c>' if kind == "s" else \
            f'<c r="{ref}" s="1"><v>{v}</v></c>'
    if isinstance(value, int | float):
        return f'<c r="{ref}"><v>{value!r}</v></c>'
    return f'<c r="{ref}" t="inlineStr"><is><t>{value}</t></is></c>'


def _sheet(rows: dict[int, dict[str, object]], *, head: str = "", tail: str = "",
           numbered: bool = True, root: str = f'<worksheet xmlns="{NS}">',
           close: str = "</worksheet>", tag: str = "row", c: str = "") -> str:
    body = "".join(
        f'<{tag}{f" r={chr(34)}{n}{chr(34)}" if numbered else ""}>'
        + "".join(_cell(f"{col}{n}", v).replace("<c ", f"<{c}c ").replace("</c>", f"</{c}c>")
                  for col, v in cells.items())
        + f"</{tag}>" for n, cells in sorted(rows.items()))
    return f'<?xml version="1.0"?>{root}{head}<sheetData>{body}</sheetData>{tail}{close}'


def _grid(first: int, last: int, columns: str, skip: set[int] = frozenset()) -> dict:
    return {n: {col: f"{col}{n}" if n > 1 else f"head {col}" for col in columns}
            for n in range(first, last + 1) if n not in skip}


CASES = {   # the sheet, and the row the cut is made at
    "plain": (_sheet(_grid(1, 40, "ABC")), 21),
    "blank rows before the cut": (_sheet(_grid(1, 40, "ABC", skip=set(range(15, 27)))), 27),
    "first column blank after the cut": (_sheet({**_grid(1, 20, "ABC"), **_grid(21, 40, "BC")}),
                                         21),
    "a wider second half": (_sheet({**_grid(1, 20, "ABC"), **_grid(21, 40, "ABCDE")}), 21),
    "a first half starting at B": (_sheet({**_grid(1, 20, "BC"), **_grid(21, 40, "ABC")}), 21),
    "a sheet from C3": (_sheet({n: {"C": f"x{n}", "D": n} for n in range(3, 44)}), 30),
    "dimension, views, merged cells": (_sheet(
        _grid(1, 40, "ABC"), head='<dimension ref="A1:C40"/><sheetViews><sheetView '
        'workbookViewId="0"/></sheetViews>',
        tail='<mergeCells count="1"><mergeCell ref="A1:B1"/></mergeCells>'), 21),
    "shared strings, numbers and dates": (_sheet(
        {n: {"A": ("s", n % 2), "B": n * 1.5, "C": ("d", 45000 + n), "D": f"ش{n}"}
         for n in range(1, 41)}), 21),
}
UNCUT = {   # no cut is made
    "a prefixed namespace": _sheet(_grid(1, 40, "ABC"), root=f'<x:worksheet xmlns:x="{NS}">',
                                   close="</x:worksheet>", tag="x:row", c="x:")
    .replace("<sheetData>", "<x:sheetData>").replace("</sheetData>", "</x:sheetData>"),
    "rows without their numbers": _sheet(_grid(1, 40, "ABC"), numbered=False),
}
UNJOINED = {   # found by the child after it answered: the halves are not joined
    "CDATA": _sheet(_grid(1, 40, "ABC")).replace("head A", "<![CDATA[head]]>"),
    "a comment": _sheet(_grid(1, 40, "ABC"), head="<!-- made by hand -->"),
    "a processing instruction": _sheet(_grid(1, 40, "ABC"), head='<?mark <row r="9"> ?>'),
}


@pytest.fixture
def cut_everything(monkeypatch):
    monkeypatch.setenv("SMARTALLOC_WRITE_PROCESSES", "2")
    monkeypatch.setattr(sheet_halves, "MIN_SHEET_BYTES", 0)


def _book(tmp_path: Path, xml: str) -> Path:
    path = tmp_path / "students.xlsx"
    path.write_bytes(package([(SHEET, xml), ("Sheet1", _sheet(_grid(1, 3, "A")))],
                             {"xl/styles.xml": STYLES.encode(),
                              "xl/sharedStrings.xml": SHARED.encode()}))
    return path


def _table(path: Path, check: sheet_halves.StudentCheck | None):
    with Workbook(path, check) as wb:
        t = wb.table(SHEET)
        return t.header, t.header_row, t.col_offset, t.rows


def _cut_at(monkeypatch, xml: str, row: int) -> None:
    """Have the cut fall at ``row``: the share of the rows' bytes before its tag."""
    data = xml.encode()
    rows_at = data.index(b"<sheetData>") + len(b"<sheetData>")
    at = data.index(f'<row r="{row}"'.encode())
    monkeypatch.setattr(sheet_halves, "FIRST_SHARE", (at - rows_at) / (
        data.rindex(b"</sheetData>") - rows_at))


def _joins(monkeypatch) -> list:
    """What each join gave (None: not joined), in this process."""
    joined, join = [], sheet_halves._join
    monkeypatch.setattr(sheet_halves, "_join", lambda *a: joined.append(join(*a)) or joined[-1])
    return joined


@pytest.mark.parametrize("case", sorted(CASES))
def test_a_cut_sheet_reads_as_the_whole_sheet(case, tmp_path, cut_everything, monkeypatch):
    xml, row = CASES[case]
    _cut_at(monkeypatch, xml, row)
    path = _book(tmp_path, xml)
    whole = _table(path, None)
    joined = _joins(monkeypatch)
    check = sheet_halves.StudentCheck(path, SHEET, worth=True)
    try:
        assert check.result().cut == sheet_halves.Cut(SHEET, row)
        assert _table(path, check) == whole
        assert len(joined) == 1 and joined[0] is not None     # joined, not parsed whole
    finally:
        check.close()


@pytest.mark.parametrize("case", sorted(UNCUT))
def test_no_cut_where_it_could_change_what_is_read(case, tmp_path, cut_everything):
    path = _book(tmp_path, UNCUT[case])
    fd = os.memfd_create("a")
    try:
        checked = sheet_halves.check_and_cut(path, path.name, SHEET, fd)
    finally:
        os.close(fd)
    assert checked.cut is None


@pytest.mark.parametrize("case", sorted(UNJOINED))
def test_cdata_a_comment_or_an_instruction_leaves_the_sheet_to_a_whole_parse(case, tmp_path, cut_everything,
                                                              monkeypatch):
    path = _book(tmp_path, UNJOINED[case])
    whole = _table(path, None)
    joined = _joins(monkeypatch)
    check = sheet_halves.StudentCheck(path, SHEET, worth=True)
    try:
        assert check.result().cut is not None         # cut, then refused by the child
        assert _table(path, check) == whole and joined == []
    finally:
        check.close()


def test_halves_that_do_not_join_or_parse_leave_the_sheet_to_a_whole_parse(
        tmp_path, cut_everything, monkeypatch):
    path = _book(tmp_path, CASES["plain"][0])
    whole = _table(path, None)
    for broken in ("join", "join fails", "parse"):
        with monkeypatch.context() as patch:
            if broken == "join":
                patch.setattr(sheet_halves, "_join", lambda *a: None)
            elif broken == "join fails":    # never the operator's "unreadable file"
                patch.setattr(sheet_halves, "_join", lambda *a: [][0])
            else:    # in the child, which parses half B
                patch.setattr(sheet_halves, "_tail", lambda *a: 1 / 0)
            check = sheet_halves.StudentCheck(path, SHEET, worth=True)
            try:
                halves = check.halves(check.result())
                assert halves is not None and halves.cells(SHEET) is None
                assert _table(path, check) == whole
            finally:
                check.close()


def test_a_runs_students_are_the_same_read_whole_or_cut(small_agency, agency_policy, tmp_path,
                                                        monkeypatch):
    folder = tmp_path / "agency"
    shutil.copytree(small_agency.out_dir, folder)
    monkeypatch.setenv("SMARTALLOC_WRITE_PROCESSES", "2")
    monkeypatch.setattr(student_check, "AHEAD_MIN_BYTES", 0)
    forks, real_fork = [], os.fork

    def counted() -> int:
        pid = real_fork()
        if pid:
            forks.append(pid)
        return pid

    monkeypatch.setattr(parallel.os, "fork", counted)
    whole = ExcelInputReader().read(resolve_inputs(folder), agency_policy)
    assert len(forks) == 1                                 # the check alone: no cut below 8 MB
    monkeypatch.setattr(sheet_halves, "MIN_SHEET_BYTES", 0)
    cut = ExcelInputReader().read(resolve_inputs(folder), agency_policy)
    assert len(forks) == 2                         # one child: the check, then the second half
    assert cut == whole and len(cut.students.records) == 200


def test_a_checking_child_that_dies_leaves_the_check_and_both_halves_to_the_run(
        tmp_path, cut_everything, monkeypatch):
    """The check and the cut are made again here, half B parsed here too: slower, the same."""
    path = _book(tmp_path, CASES["plain"][0])
    whole = _table(path, None)
    parent, cut = os.getpid(), sheet_halves.check_and_cut
    monkeypatch.setattr(sheet_halves, "check_and_cut",
                        lambda *a: cut(*a) if os.getpid() == parent else os._exit(3))
    joined = _joins(monkeypatch)
    check = sheet_halves.StudentCheck(path, SHEET, worth=True)
    try:
        assert _table(path, check) == whole
        assert len(joined) == 1 and joined[0] is not None
    finally:
        check.close()


def test_a_sheet_name_two_parts_claim_is_not_cut(tmp_path, cut_everything):
    path = tmp_path / "students.xlsx"
    path.write_bytes(package([(SHEET, CASES["plain"][0]), (SHEET, CASES["plain"][0])]))
    fd = os.memfd_create("a")
    try:
        assert sheet_halves.check_and_cut(path, path.name, SHEET, fd).cut is None
    finally:
        os.close(fd)


def test_a_sheet_whose_part_is_missing_is_refused_as_without_a_cut(tmp_path, cut_everything):
    whole = tmp_path / "whole.xlsx"
    whole.write_bytes(package([(SHEET, CASES["plain"][0])]))
    path = tmp_path / "students.xlsx"
    with zipfile.ZipFile(whole) as source, zipfile.ZipFile(path, "w") as out:
        for info in source.infolist():
            if info.filename != "xl/worksheets/sheet1.xml":
                out.writestr(info, source.read(info))
    refused = []
    for check in (None, sheet_halves.StudentCheck(path, SHEET, worth=True)):
        try:
            with pytest.raises(InputError) as error:
                _table(path, check)
            refused.append(error.value.problems)
        finally:
            if check is not None:
                check.close()
    assert refused[0] == refused[1] and refused[0]
