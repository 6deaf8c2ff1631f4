"""A minimal, fast, byte-deterministic xlsx writer for the generated workbooks.

The student report repeats `کد ثبت نام`, which rules out the Rust engine, and XlsxWriter takes
~30 s for 100k × 59 cells; writing the sheet XML directly (inline strings) takes ~2 s. Both
engines of ``adapters.xlsx_writer`` also stamp a creation time, while fixed zip timestamps
and no document properties here make the same seed give byte-identical files.
Cells: ``str`` → text (so ids keep leading zeros), ``bool`` → boolean, ``int``/``float`` →
number, ``None``/"" → empty.
"""

from __future__ import annotations

import os
import tempfile
import zipfile
from collections.abc import Iterable, Sequence
from pathlib import Path
from xml.sax.saxutils import escape

_NS = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
_REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
_PKG = "http://schemas.openxmlformats.org/package/2006/relationships"
_XML = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
_STYLES = (
    f'{_XML}<styleSheet xmlns="{_NS}"><fonts count="1"><font><sz val="8"/><name val="Tahoma"/>'
    '</font></fonts><fills count="2"><fill><patternFill patternType="none"/></fill><fill>'
    '<patternFill patternType="gray125"/></fill></fills><borders count="1"><border><left/>'
    '<right/><top/><bottom/><diagonal/></border></borders><cellStyleXfs count="1"><xf numFmtId="0"'
    ' fontId="0" fillId="0" borderId="0"/></cellStyleXfs><cellXfs count="1"><xf numFmtId="0" '
    'fontId="0" fillId="0" borderId="0" xfId="0"/></cellXfs></styleSheet>'
)
_FLUSH_ROWS = 2000


def _col_letters(n: int) -> list[str]:
    out = []
    for i in range(n):
        s, k = "", i + 1
        while k:
            k, r = divmod(k - 1, 26)
            s = chr(65 + r) + s
        out.append(s)
    return out


def _cell(ref: str, value) -> str:
    if value.__class__ is not str:
        if value is True or value is False:
            return f'<c r="{ref}" t="b"><v>{int(value)}</v></c>'
        return f'<c r="{ref}"><v>{value!r}</v></c>'
    if "&" in value or "<" in value or ">" in value:
        value = escape(value)
    space = ' xml:space="preserve"' if value[0] == " " or value[-1] == " " else ""
    return f'<c r="{ref}" t="inlineStr"><is><t{space}>{value}</t></is></c>'


def _sheet_xml(handle, columns: Sequence[str], rows: Iterable[Sequence]) -> None:
    letters = _col_letters(len(columns))
    handle.write((f'{_XML}<worksheet xmlns="{_NS}"><sheetViews><sheetView rightToLeft="1" '
                  'workbookViewId="0"><pane ySplit="1" topLeftCell="A2" activePane="bottomLeft" '
                  'state="frozen"/></sheetView></sheetViews><sheetFormatPr defaultRowHeight="15"/>'
                  f'<cols><col min="1" max="{len(columns)}" width="14" customWidth="1"/></cols>'
                  '<sheetData>').encode())
    chunk: list[str] = []
    for r, row in enumerate(_with_header(columns, rows), start=1):
        rs = str(r)
        cells = "".join([_cell(letters[c] + rs, v) for c, v in enumerate(row)
                         if v is not None and v != ""])
        chunk.append(f'<row r="{rs}">{cells}</row>')
        if len(chunk) >= _FLUSH_ROWS:
            handle.write("".join(chunk).encode())
            chunk.clear()
    chunk.append("</sheetData></worksheet>")
    handle.write("".join(chunk).encode())


def _with_header(columns: Sequence[str], rows: Iterable[Sequence]):
    yield list(columns)
    yield from rows


def _member(zf: zipfile.ZipFile, name: str):
    info = zipfile.ZipInfo(name, date_time=(1980, 1, 1, 0, 0, 0))
    info.compress_type = zipfile.ZIP_DEFLATED
    info._compresslevel = 1  # fast deflate: the 100k sheet is ~250 MB of XML
    return zf.open(info, "w", force_zip64=True)


def write_xlsx(path: Path, sheets: list[tuple[str, Sequence[str], Iterable]]) -> None:
    """Write ``(name, columns, rows)`` sheets, right-to-left, header frozen, atomically."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.stem}-", suffix=".xlsx.tmp", dir=path.parent)
    os.close(fd)
    n = len(sheets)
    overrides = "".join(
        f'<Override PartName="/xl/worksheets/sheet{i}.xml" ContentType="application/'
        'vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>' for i in range(1, n + 1))
    parts = {
        "[Content_Types].xml": (
            f'{_XML}<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
            '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.'
            'relationships+xml"/><Default Extension="xml" ContentType="application/xml"/>'
            '<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-'
            'officedocument.spreadsheetml.sheet.main+xml"/><Override PartName="/xl/styles.xml" '
            'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.styles+xml"/>'
            f'{overrides}</Types>'),
        "_rels/.rels": (
            f'{_XML}<Relationships xmlns="{_PKG}"><Relationship Id="rId1" Type="{_REL}/'
            'officeDocument" Target="xl/workbook.xml"/></Relationships>'),
        "xl/workbook.xml": (
            f'{_XML}<workbook xmlns="{_NS}" xmlns:r="{_REL}"><bookViews><workbookView/>'
            '</bookViews><sheets>' + "".join(
                f'<sheet name="{escape(name, {chr(34): "&quot;"})}" sheetId="{i}" r:id="rId{i}"/>'
                for i, (name, _c, _r) in enumerate(sheets, start=1)) + '</sheets></workbook>'),
        "xl/_rels/workbook.xml.rels": (
            f'{_XML}<Relationships xmlns="{_PKG}">' + "".join(
                f'<Relationship Id="rId{i}" Type="{_REL}/worksheet" '
                f'Target="worksheets/sheet{i}.xml"/>' for i in range(1, n + 1))
            + f'<Relationship Id="rId{n + 1}" Type="{_REL}/styles" Target="styles.xml"/>'
            '</Relationships>'),
        "xl/styles.xml": _STYLES,
    }
    try:
        with zipfile.ZipFile(tmp, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=1) as zf:
            for name, text in parts.items():
                with _member(zf, name) as handle:
                    handle.write(text.encode())
            for i, (_name, columns, rows) in enumerate(sheets, start=1):
                with _member(zf, f"xl/worksheets/sheet{i}.xml") as handle:
                    _sheet_xml(handle, columns, rows)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
