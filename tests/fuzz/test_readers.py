"""Every reader on hostile workbooks: missing, renamed, duplicated and shuffled columns, wrong
types, huge and empty cells, Persian/Arabic/mixed digits, bidi marks, formulas, title rows,
garbage rows; then raw files that are not workbooks at all (random bytes, a PDF, an empty file,
a zip without workbook parts, truncated and bit-flipped packages) and the special cases (zip
bombs, a sheet reaching XFD1048576, a 50 MB file). Each read either succeeds or raises an
``InputError`` with a clear Persian and English message naming the file — never another
exception, never unbounded memory."""

from __future__ import annotations

import io
import os
import resource
import time
import zipfile
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from smartalloc.adapters.readers import (
    read_crosswalk,
    read_managers,
    read_mentors,
    read_roster,
    read_schools,
    read_students,
)
from tests.fuzz.builders import (
    assert_clear,
    cells,
    mutated_table,
    package,
    texts,
    workbook,
    zip_bomb,
)
from tests.fuzz.conftest import COUNT, FUZZ, QUOTAS

READERS = {
    "students": lambda p, pol: read_students(p, pol),
    "inspactor": lambda p, pol: read_mentors(p, pol),
    "schools": lambda p, pol: read_schools(p, pol),
    "managers": lambda p, pol: read_managers(p, pol),
    "crosswalk": lambda p, pol: read_crosswalk(p, pol),
    "roster": lambda p, pol: read_roster(p),
}
FILE_NAMES = {"students": "StudentReport.xlsx", "inspactor": "InspactorReport.xlsx",
              "schools": "SchoolReport.xlsx", "managers": "ManagerReport.xlsx",
              "crosswalk": "Crosswalk.xlsx", "roster": "roster.xlsx"}


def read(role: str, data: bytes, folder: Path, policy) -> None:
    """Read ``data`` as the ``role`` input: success, or a clear InputError."""
    path = folder / FILE_NAMES[role]
    path.write_bytes(data)
    try:
        READERS[role](path, policy)
    except Exception as exc:   # anything but a clear InputError fails the test
        assert_clear(exc, path.name)


@st.composite
def hostile_workbooks(draw, bases):
    role = draw(st.sampled_from(sorted(READERS)))
    sheets = bases[role]
    i = draw(st.integers(0, len(sheets) - 1))
    tables = [(name, rows) for name, rows in sheets]
    name, rows = tables[i]
    rows = draw(mutated_table(rows or [[""]]))
    name = draw(st.one_of(st.just(name), st.just(name.lower()), texts.filter(bool)))
    tables[i] = (name[:31] or "S", rows)
    if draw(st.integers(0, 9)) == 0:
        tables.append((draw(texts.filter(bool))[:31], draw(st.lists(st.lists(cells, max_size=4),
                                                                   max_size=3))))
    if draw(st.integers(0, 9)) == 0:
        tables = tables[:1] if draw(st.booleans()) else [(n, []) for n, _ in tables]
    return role, tables


@pytest.fixture(scope="module")
def folder(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("fuzz-readers")


@settings(FUZZ, max_examples=QUOTAS["readers"])
@given(data=st.data())
def test_readers_refuse_hostile_workbooks_clearly(bases, policy, folder, data) -> None:
    role, tables = data.draw(hostile_workbooks(bases))
    COUNT["readers"] += 1
    read(role, workbook(tables), folder, policy)


def test_the_reader_quota_ran() -> None:
    assert COUNT["readers"] >= QUOTAS["readers"]


@st.composite
def raw_files(draw, valid: bytes):
    kind = draw(st.sampled_from(["random", "pk-random", "pdf", "empty", "truncated", "flipped",
                                 "zip-no-workbook", "text", "ole", "html"]))
    if kind == "random":
        return draw(st.binary(max_size=2048))
    if kind == "pk-random":
        return b"PK\x03\x04" + draw(st.binary(max_size=2048))
    if kind == "pdf":
        return b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n" + draw(st.binary(max_size=512))
    if kind == "empty":
        return b""
    if kind == "truncated":
        return valid[:draw(st.integers(0, len(valid) - 1))]
    if kind == "flipped":
        data = bytearray(valid)
        for _ in range(draw(st.integers(1, 8))):
            at = draw(st.integers(0, len(data) - 1))
            data[at] ^= 1 << draw(st.integers(0, 7))
        return bytes(data)
    if kind == "zip-no-workbook":
        members = draw(st.lists(st.sampled_from(["[Content_Types].xml", "_rels/.rels",
                                                 "xl/workbook.xml", "docProps/app.xml",
                                                 "mimetype", "content.xml"]), max_size=3,
                                unique=True))
        full = zipfile.ZipFile(io.BytesIO(valid))
        return _zip_of({m: (full.read(m) if m in full.namelist() else draw(st.binary(max_size=64)))
                        for m in members})
    if kind == "text":
        return draw(st.text(max_size=300)).encode("utf-8", "surrogatepass")
    if kind == "ole":
        return bytes.fromhex("d0cf11e0a1b11ae1") + draw(st.binary(max_size=1024))
    return b"<html><body><table><tr><td>=1+1</td></tr></table></body></html>"


@settings(FUZZ, max_examples=QUOTAS["raw_files"])
@given(data=st.data())
def test_readers_refuse_files_that_are_not_workbooks(bases, policy, folder, data) -> None:
    role = data.draw(st.sampled_from(sorted(READERS)))
    raw = data.draw(raw_files(workbook(bases["students"])))
    COUNT["raw_files"] += 1
    read(role, raw, folder, policy)


def test_the_raw_file_quota_ran() -> None:
    assert COUNT["raw_files"] >= QUOTAS["raw_files"]


def _far_cells() -> bytes:
    ns = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
    return package([("Sheet1", f'<?xml version="1.0"?><worksheet xmlns="{ns}"><sheetData>'
                               '<row r="1"><c r="A1"><v>1</v></c></row><row r="1048576">'
                               '<c r="XFD1048576"><v>1</v></c></row></sheetData></worksheet>'),
                    ])


def _prefixed_far_cells() -> bytes:
    ns = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
    return package([("Sheet1", f"<?xml version='1.0'?><x:worksheet xmlns:x='{ns}'><x:sheetData>"
                               "<x:row><x:c><x:v>1</x:v></x:c></x:row><x:row r='900000'>"
                               "<x:c r = 'zz900000'><x:v>1</x:v></x:c></x:row></x:sheetData>"
                               "</x:worksheet>")])


def _referenceless_wide_row() -> bytes:
    ns = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
    return package([("Sheet1", f'<?xml version="1.0"?><worksheet xmlns="{ns}"><sheetData><row>'
                               + "<c/>" * 16_000 + '<c><v>1</v></c></row><row r="500000"><c>'
                               "<v>1</v></c></row></sheetData></worksheet>")])


def _fifty_megabytes(valid: bytes) -> bytes:
    """A real workbook carrying 50 MB of incompressible media."""
    buf = io.BytesIO(valid)
    with zipfile.ZipFile(buf, "a", zipfile.ZIP_STORED) as zf:
        zf.writestr("xl/media/image1.png", os.urandom(50 * 1024 * 1024))
    return buf.getvalue()


def _huge_cell() -> bytes:
    return workbook([("Sabt (5)", [["نام"], ["ب" * 2_000_000]])])


SPECIAL = {
    "zip bomb, 2 GB declared": lambda v: zip_bomb(2 * 1024**3, honest=True),
    "zip bomb, 3 GB declared as 1 KB": lambda v: zip_bomb(3 * 1024**3, honest=False),
    "zip bomb, 300 MB": lambda v: zip_bomb(300 * 1024**2, honest=True),
    "cells at A1 and XFD1048576": lambda v: _far_cells(),
    "prefixed, single-quoted, lower-case far cell": lambda v: _prefixed_far_cells(),
    "16,000 reference-less cells in a row": lambda v: _referenceless_wide_row(),
    "a 2 MB cell": lambda v: _huge_cell(),
    "50 MB workbook": _fifty_megabytes,
    "50 MB of random bytes": lambda v: os.urandom(50 * 1024 * 1024),
    "PDF": lambda v: b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF",
    "empty file": lambda v: b"",
    "zip without workbook parts": lambda v: _zip_of({"readme.txt": b"not a workbook"}),
}


READABLE = {"50 MB workbook"}   # a real report with a big picture in it: read, not refused


def _zip_of(members: dict[str, bytes]) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        for name, data in members.items():
            zf.writestr(name, data)
    return buf.getvalue()


@pytest.mark.parametrize("case", sorted(SPECIAL))
def test_special_files_are_refused_in_bounded_time_and_memory(case: str, bases, policy,
                                                              folder) -> None:
    data = SPECIAL[case](workbook(bases["students"]))
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    started = time.perf_counter()
    path = folder / "StudentReport.xlsx"
    path.write_bytes(data)
    try:
        read_students(path, policy)
    except Exception as exc:
        assert_clear(exc, path.name)
    else:
        assert case in READABLE, f"{case}: read without an error"
    elapsed = time.perf_counter() - started
    grown_mb = (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before) / 1024
    COUNT["special_files"] += 1
    assert elapsed < 10, f"{case}: {elapsed:.1f} s"
    assert grown_mb < 400, f"{case}: peak memory grew by {grown_mb:.0f} MB"
    path.unlink()


def test_every_special_case_ran() -> None:
    assert len(SPECIAL) >= QUOTAS["special_files"]


def test_a_legal_workbook_with_unusual_spelling_still_reads(policy, folder, bases) -> None:
    """The guard refuses extents, not spellings: prefixed XML without cell references reads."""
    header, *rows = bases["roster"][0][1]
    ns = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"

    def cell(v) -> str:
        return f"<x:c t='inlineStr'><x:is><x:t>{v}</x:t></x:is></x:c>"

    body = "".join("<x:row>" + "".join(cell(v) for v in r) + "</x:row>" for r in [header, *rows])
    data = package([(bases["roster"][0][0], f"<?xml version='1.0'?><x:worksheet xmlns:x='{ns}'>"
                                            f"<x:sheetData>{body}</x:sheetData></x:worksheet>")])
    path = folder / "roster.xlsx"
    path.write_bytes(data)
    assert len(read_roster(path)) == len([r for r in rows if any(r)])
