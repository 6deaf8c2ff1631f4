"""Hostile workbooks built in memory: a raw SpreadsheetML package writer (any cell, formulas
included), Hypothesis strategies for cells and table mutations, raw zip members with lying
sizes (zip bombs), and the check that an error is a clear bilingual ``InputError``."""

from __future__ import annotations

import io
import re
import struct
import zipfile
import zlib
from dataclasses import dataclass
from xml.sax.saxutils import escape

from hypothesis import strategies as st

from smartalloc.adapters.excel_reader import column_letter
from smartalloc.domain.errors import InputError

NS = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
PKG = "http://schemas.openxmlformats.org/package/2006/relationships"
CT = "application/vnd.openxmlformats-officedocument.spreadsheetml"
_XML_BAD = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
PERSIAN = re.compile("[\u0600-\u06ff]")


@dataclass(frozen=True)
class Formula:
    """A real formula cell (``<f>``), with or without a cached value."""

    text: str
    cached: str | None = None


def _text(value: str) -> str:
    return _XML_BAD.sub(lambda m: f"_x{ord(m.group()):04X}_", escape(value))


def _cell(ref: str, v) -> str:
    if v is None:
        return ""
    if isinstance(v, Formula):
        cached = f"<v>{_text(v.cached)}</v>" if v.cached is not None else ""
        return f'<c r="{ref}" t="str"><f>{_text(v.text)}</f>{cached}</c>'
    if isinstance(v, bool):
        return f'<c r="{ref}" t="b"><v>{int(v)}</v></c>'
    if isinstance(v, int | float):
        return f'<c r="{ref}"><v>{v!r}</v></c>'
    return f'<c r="{ref}" t="inlineStr"><is><t xml:space="preserve">{_text(str(v))}</t></is></c>'


def sheet_xml(rows: list[list]) -> str:
    body = "".join(
        f'<row r="{r}">' + "".join(_cell(f"{column_letter(c)}{r}", v) for c, v in enumerate(row))
        + "</row>" for r, row in enumerate(rows, start=1))
    return f'<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="{NS}"><sheetData>{body}' \
           "</sheetData></worksheet>"


def package(sheets: list[tuple[str, str]], extra: dict[str, bytes] | None = None,
            *, level: int = 1) -> bytes:
    """An .xlsx from (sheet name, worksheet XML) pairs; ``extra`` members added as they are."""
    n = len(sheets)
    parts = {
        "[Content_Types].xml": (
            '<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/'
            'content-types"><Default Extension="rels" ContentType="application/vnd.'
            'openxmlformats-package.relationships+xml"/><Default Extension="xml" '
            f'ContentType="application/xml"/><Override PartName="/xl/workbook.xml" '
            f'ContentType="{CT}.sheet.main+xml"/>'
            + "".join(f'<Override PartName="/xl/worksheets/sheet{i}.xml" '
                      f'ContentType="{CT}.worksheet+xml"/>' for i in range(1, n + 1))
            + "</Types>"),
        "_rels/.rels": (f'<?xml version="1.0"?><Relationships xmlns="{PKG}"><Relationship '
                        f'Id="rId1" Type="{REL}/officeDocument" Target="xl/workbook.xml"/>'
                        "</Relationships>"),
        "xl/workbook.xml": (
            f'<?xml version="1.0"?><workbook xmlns="{NS}" xmlns:r="{REL}"><sheets>'
            + "".join(f'<sheet name="{escape(_XML_BAD.sub("", name), {chr(34): "&quot;"})}" '
                      f'sheetId="{i}" r:id="rId{i}"/>' for i, (name, _) in enumerate(sheets, 1))
            + "</sheets></workbook>"),
        "xl/_rels/workbook.xml.rels": (
            f'<?xml version="1.0"?><Relationships xmlns="{PKG}">'
            + "".join(f'<Relationship Id="rId{i}" Type="{REL}/worksheet" '
                      f'Target="worksheets/sheet{i}.xml"/>' for i in range(1, n + 1))
            + "</Relationships>"),
    }
    for i, (_, xml) in enumerate(sheets, start=1):
        parts[f"xl/worksheets/sheet{i}.xml"] = xml
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED, compresslevel=level) as zf:
        for name, text in parts.items():
            zf.writestr(name, text.encode("utf-8", "surrogatepass"))
        for name, data in (extra or {}).items():
            zf.writestr(name, data)
    return buf.getvalue()


def workbook(tables: list[tuple[str, list[list]]]) -> bytes:
    return package([(name, sheet_xml(rows)) for name, rows in tables])


# --- raw zips: members whose declared size is whatever we say -------------------------------
def raw_zip(members: list[tuple[str, bytes, int, int]]) -> bytes:
    """(name, deflated bytes, declared inflated size, declared CRC) → a zip (no zip64)."""
    out, central = io.BytesIO(), io.BytesIO()
    for name, data, size, crc in members:
        offset = out.tell()
        fname = name.encode()
        out.write(struct.pack("<IHHHHHIIIHH", 0x04034B50, 20, 0, 8, 0, 0x21, crc, len(data),
                              size, len(fname), 0) + fname + data)
        central.write(struct.pack("<IHHHHHHIIIHHHHHII", 0x02014B50, 20, 20, 0, 8, 0, 0x21,
                                  crc, len(data), size, len(fname), 0, 0, 0, 0, 0, offset)
                      + fname)
    cd = central.getvalue()
    start = out.tell()
    out.write(cd + struct.pack("<IHHHHIIH", 0x06054B50, 0, 0, len(members), len(members),
                               len(cd), start, 0))
    return out.getvalue()


def deflated_repeat(head: bytes, block: bytes, times: int, tail: bytes) -> bytes:
    """Raw deflate of head + block × times + tail, built without inflating it: after a full
    flush the compressor starts afresh, so every block compresses to the same bytes."""
    c = zlib.compressobj(9, zlib.DEFLATED, -15)
    first = c.compress(head) + c.flush(zlib.Z_FULL_FLUSH)
    again = c.compress(block) + c.flush(zlib.Z_FULL_FLUSH)
    return first + again * times + c.compress(tail) + c.flush()


def zip_bomb(inflated: int, *, honest: bool) -> bytes:
    """A workbook whose sheet XML inflates to ``inflated`` bytes of rows; ``honest``: the zip
    declares that size (else it claims 1 KB)."""
    base = zipfile.ZipFile(io.BytesIO(workbook([("Sheet1", [["x"]])])))
    members = []
    for info in base.infolist():
        data = base.read(info)
        if info.filename.endswith("sheet1.xml"):
            head = f'<?xml version="1.0"?><worksheet xmlns="{NS}"><sheetData>'.encode()
            row = b'<row><c t="inlineStr"><is><t>bomb</t></is></c></row>' * 1000
            tail = b"</sheetData></worksheet>"
            times = max(1, (inflated - len(head) - len(tail)) // len(row))
            size = len(head) + len(tail) + times * len(row)
            members.append((info.filename, deflated_repeat(head, row, times, tail),
                            size if honest else 1024, 0x1234567))
        else:
            c = zlib.compressobj(6, zlib.DEFLATED, -15)
            members.append((info.filename, c.compress(data) + c.flush(), len(data),
                            zlib.crc32(data)))
    return raw_zip(members)


# --- strategies -----------------------------------------------------------------------------
DIGITS = "0123456789۰۱۲۳۴۵۶۷۸۹٠١٢٣٤٥٦٧٨٩"
BIDI = ["\u200f", "\u200e", "\u202e", "\u202d", "\u202b", "\u202a", "\u202c", "\u2066",
        "\u2067", "\u2068", "\u2069", "\u200c", "\u200d", "\ufeff", "\u00a0", "\u061c"]
FORMULAS = ["=1+1", "+1", "-1", "@SUM(A1)", "=cmd|' /C calc'!A0", '=HYPERLINK("http://x","y")',
            "\t=1", "\r=1", "=", "-", "+98 912", "@"]

texts = st.text(max_size=20)
mixed_digits = st.text(alphabet=DIGITS + " -./", min_size=1, max_size=14)
bidi_wrapped = st.tuples(st.sampled_from(BIDI), st.one_of(texts, mixed_digits),
                         st.sampled_from(BIDI)).map("".join)
huge = st.integers(1_000, 40_000).map(lambda n: "ک" * n)
cells = st.one_of(
    st.none(), st.just(""), texts, mixed_digits, bidi_wrapped, st.sampled_from(FORMULAS),
    st.builds(Formula, st.sampled_from(FORMULAS + ["SUM(A1:A3)", "1/0", "A1"]),
              st.one_of(st.none(), texts)),
    st.integers(-(10**20), 10**20), st.floats(), st.booleans(), huge,
    st.sampled_from(["nan", "inf", "-0", "1e309", "0x10", "١٢٣", "۱۲.۵", "12,5", " 7 "]))


def header_variant(name: str):
    """A column header as an operator's export may spell it — or misspell it."""
    return st.one_of(
        st.just(name), st.just(name + " "), st.just(name.replace(" ", "\u200c")),
        st.tuples(st.sampled_from(BIDI), st.just(name)).map("".join),
        st.just(name.replace("ی", "ي").replace("ک", "ك")), texts, st.just(""),
        st.just(name + " | en"), st.just(name.upper()))


@st.composite
def mutated_table(draw, base: list[list]):
    """The base sheet (header + rows) after 1–4 hostile edits."""
    header, rows = list(base[0]), [list(r) for r in base[1:]]
    for _ in range(draw(st.integers(1, 4))):
        width = len(header)
        op = draw(st.sampled_from(["drop", "rename", "duplicate", "cells", "rows", "clear",
                                   "shuffle", "title", "widen", "types"]))
        j = draw(st.integers(0, max(width - 1, 0)))
        if op == "drop" and width:
            del header[j]
            for r in rows:
                del r[j:j + 1]
        elif op == "rename" and width:
            header[j] = draw(header_variant(str(header[j])))
        elif op == "duplicate" and width:
            header.append(draw(header_variant(str(header[j]))))
            for r in rows:
                r.append(draw(cells) if draw(st.booleans()) else (r[j] if j < len(r) else ""))
        elif op == "cells" and rows:
            for _ in range(draw(st.integers(1, 8))):
                r = draw(st.sampled_from(rows))
                if r:
                    r[draw(st.integers(0, len(r) - 1))] = draw(cells)
        elif op == "rows":
            rows.extend(draw(st.lists(st.lists(cells, max_size=width + 2), max_size=3)))
        elif op == "clear":
            rows = []
        elif op == "shuffle":
            order = draw(st.permutations(range(width)))
            header = [header[i] for i in order]
            rows = [[r[i] if i < len(r) else "" for i in order] for r in rows]
        elif op == "title":
            rows.insert(0, header)
            header = [draw(texts)] + [""] * (width - 1)
        elif op == "widen":
            header.extend(draw(st.lists(header_variant("ستون"), max_size=3)))
        elif op == "types" and width and rows:
            value = draw(cells)
            for r in rows:
                if j < len(r):
                    r[j] = value
    return [header, *rows]


def assert_clear(exc: BaseException, shown_name: str) -> None:
    """An ``InputError`` whose every problem has a code and a Persian and an English message,
    at least one naming the file."""
    assert isinstance(exc, InputError), f"{type(exc).__name__}: {exc}"
    assert exc.problems
    for p in exc.problems:
        assert re.fullmatch(r"[A-Z0-9_]+", p.code), p.code
        assert PERSIAN.search(p.message_fa), p
        assert re.search("[A-Za-z]{3}", p.message_en), p
        assert p.render()
    assert any(p.location.file == shown_name for p in exc.problems), exc.problems
