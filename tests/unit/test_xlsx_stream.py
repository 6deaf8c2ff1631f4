"""The streaming writer produces well-formed, deterministic workbooks for any cell value."""

from __future__ import annotations

import re
import xml.dom.minidom
import zipfile
from enum import StrEnum

from hypothesis import given, settings
from hypothesis import strategies as st
from python_calamine import CalamineWorkbook

from smartalloc.adapters.xlsx_stream import write_xlsx
from smartalloc.adapters.xlsx_writer import Sheet, write_workbook


class Status(StrEnum):
    OK = "PASSED_QA"


def _parts_well_formed(path) -> None:
    with zipfile.ZipFile(path) as z:
        for name in z.namelist():
            xml.dom.minidom.parseString(z.read(name))   # raises on malformed XML


cells = st.one_of(st.text(max_size=30), st.integers(-10**12, 10**12),
                  st.floats(allow_nan=True, allow_infinity=True), st.booleans(), st.none())


@settings(max_examples=60, deadline=None)
@given(st.lists(st.lists(cells, min_size=3, max_size=3), max_size=20))
def test_any_cells_give_a_well_formed_workbook(tmp_path_factory, rows):
    path = tmp_path_factory.mktemp("x") / "t.xlsx"
    write_xlsx(path, [("S", ["a", "b", "c"], rows)])
    _parts_well_formed(path)


@settings(max_examples=30, deadline=None)
@given(st.text(st.characters(categories=("L", "N", "P", "S", "Zs")), min_size=1, max_size=20)
       | st.sampled_from(['Tahoma"', 'B "Nazanin"', "a & <b>", "'"]))
def test_any_font_name_of_the_policy_gives_a_well_formed_workbook(tmp_path_factory, font):
    """The policy's font name is free text; it goes into an attribute of styles.xml, so a
    quote in it must be escaped like ``&``, ``<`` and ``>``."""
    path = tmp_path_factory.mktemp("f") / "t.xlsx"
    write_xlsx(path, [("S", ["a"], [["x"]])], font=font)
    _parts_well_formed(path)
    assert CalamineWorkbook.from_path(str(path)).get_sheet_by_name("S").to_python() == [
        ["a"], ["x"]]


def test_types_round_trip_and_bytes_are_deterministic(tmp_path):
    rows = [["0012", 7, 1.5, True, Status.OK, "a\x01b", "<&>", " pad ", "_x0041_"]]
    columns = [f"c{i}" for i in range(9)]
    write_workbook(tmp_path / "a.xlsx", [Sheet("S", columns, rows)])
    write_workbook(tmp_path / "b.xlsx", [Sheet("S", columns, rows)])
    assert (tmp_path / "a.xlsx").read_bytes() == (tmp_path / "b.xlsx").read_bytes()
    _parts_well_formed(tmp_path / "a.xlsx")
    got = CalamineWorkbook.from_path(str(tmp_path / "a.xlsx")).get_sheet_by_name("S").to_python()
    assert got[1][0] == "0012" and got[1][1] == 7 and got[1][2] == 1.5 and got[1][3] is True
    assert got[1][4] == "PASSED_QA" and got[1][6] == "<&>" and got[1][7] == " pad "
    assert got[1][5] == "a\x01b"      # a control character XML forbids, Excel-escaped and back
    assert got[1][8] == "_x0041_"     # literal text that looks like an escape stays literal


def test_formula_text_is_neutralised(tmp_path):
    write_workbook(tmp_path / "f.xlsx", [Sheet("S", ["x"], [["=1+1"], ["+98"], ["@SUM(A1)"]])])
    got = CalamineWorkbook.from_path(str(tmp_path / "f.xlsx")).get_sheet_by_name("S").to_python()
    assert [r[0] for r in got[1:]] == ["'=1+1", "'+98", "'@SUM(A1)"]


def test_widths_follow_content_and_every_sheet_is_filtered(tmp_path):
    """Issue J: not every column 14 wide; zero-width marks take no room; 8..60 characters."""
    rows = [["کوتاه", "یک دلیل طولانی " * 12, 7], ["می\u200cخواهم", "x", 12345678901234]]
    write_workbook(tmp_path / "w.xlsx", [Sheet("S", ["نام", "دلیل", "n"], rows),
                                         Sheet("E", ["a", "b"], [])])
    with zipfile.ZipFile(tmp_path / "w.xlsx") as z:
        sheet, empty = (z.read(f"xl/worksheets/sheet{i}.xml").decode() for i in (1, 2))
        book = z.read("xl/workbook.xml").decode()
    widths = re.findall(r'<col min="(\d+)" max="(\d+)" width="(\d+)"', sheet)
    assert widths == [("1", "1", "9"), ("2", "2", "60"), ("3", "3", "16")]   # ZWNJ: 7, not 8
    assert sheet.endswith('</sheetData><autoFilter ref="A1:C3"/></worksheet>')
    assert '<autoFilter ref="A1:B1"/>' in empty
    assert "'S'!$A$1:$C$3</definedName>" in book and "'E'!$A$1:$B$1</definedName>" in book


def test_inputs_written_without_fit_keep_fixed_widths_and_no_filter(tmp_path):
    write_xlsx(tmp_path / "i.xlsx", [("S", ["a", "b"], [["x", "y"]])])
    with zipfile.ZipFile(tmp_path / "i.xlsx") as z:
        sheet = z.read("xl/worksheets/sheet1.xml").decode()
    assert '<col min="1" max="2" width="14.0" customWidth="1"/>' in sheet
    assert "autoFilter" not in sheet


@given(st.text(), st.sampled_from([None, {'"': "&quot;"}, {'"': "&quot;", "'": "&apos;"}]))
def test_the_writers_escape_is_the_standard_librarys(text, entities):
    """``xlsx_stream.escape`` replaces ``xml.sax.saxutils.escape`` (whose module imports
    urllib and http.client at every run's start): the same text for any input."""
    from xml.sax.saxutils import escape as standard

    from smartalloc.adapters.xlsx_stream import escape

    assert escape(text, entities) == standard(text, entities or {})
