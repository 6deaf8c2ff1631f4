"""A small streaming xlsx writer: fast, byte-deterministic, right-to-left, ids as text.

Several times faster than XlsxWriter or rustpy-xlsxwriter on the run's tables (figures in
docs/performance.md); the rows' XML is rendered by ``xlsx_rows``. It writes the sheet XML
directly with inline strings and a fast deflate level, fixed zip timestamps and no
document properties, so the same tables always give the same bytes. ``str`` → text cell,
``bool`` → boolean, ``int``/``float`` → number, ``None``/"" → empty. Characters XML forbids
(C0 controls) are written in Excel's ``_xHHHH_`` escape form, never dropped silently.

With ``fit`` (every output workbook, issue J) each column is as wide as its header and the
first ``FIT_ROWS`` rows need (8..60 characters) and every sheet gets an autofilter on its
header. ``<cols>`` must precede ``<sheetData>`` in the XML and the sheet is streamed, so the
widths come from a bounded look-ahead, not a second pass: measuring 1,000 rows costs a few
milliseconds whatever the sheet's length, while the rows are still written once.
"""

from __future__ import annotations

import itertools
import os
import re
import tempfile
import zipfile
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path

from smartalloc.adapters.xlsx_fit import FIT_ROWS, MIN_WIDTH, cols_xml, fitted_widths
from smartalloc.adapters.xlsx_rows import Neutralise, cell, renderer, safe_row

_NS = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
_REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
_PKG = "http://schemas.openxmlformats.org/package/2006/relationships"
_XML = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
_CT = "application/vnd.openxmlformats-officedocument.spreadsheetml"
_FLUSH_ROWS = 2000

# (name, header, rows) or (name, header, rows, column width); width None = from content
SheetSpec = (tuple[str, Sequence[str], Iterable[Sequence]]
             | tuple[str, Sequence[str], Iterable[Sequence], float | None])


_ATTRIBUTE = {chr(34): "&quot;"}   # more to escape in a double-quoted attribute's value


def escape(text: str, entities: Mapping[str, str] | None = None) -> str:
    """``&``, ``>`` and ``<`` escaped, then ``entities`` replaced: ``xml.sax.saxutils.escape``,
    whose module imports ``urllib.request`` and ``http.client`` (~30 ms of every run's
    start-up, for the sheet names and the font)."""
    text = text.replace("&", "&amp;").replace(">", "&gt;").replace("<", "&lt;")
    for key, value in (entities or {}).items():
        text = text.replace(key, value)
    return text


def _styles(font: str, size: int) -> str:
    """Two cell styles: 0 = body, 1 = bold header; both in the policy's font (free text, so
    escaped for the attribute it fills)."""
    name = escape(font, _ATTRIBUTE)
    fonts = (f'<font><sz val="{size}"/><name val="{name}"/></font>'
             f'<font><b/><sz val="{size}"/><name val="{name}"/></font>')
    return (f'{_XML}<styleSheet xmlns="{_NS}"><fonts count="2">{fonts}</fonts><fills count="2">'
            '<fill><patternFill patternType="none"/></fill><fill><patternFill '
            'patternType="gray125"/></fill></fills><borders count="1"><border><left/><right/>'
            '<top/><bottom/><diagonal/></border></borders><cellStyleXfs count="1"><xf numFmtId="0"'
            ' fontId="0" fillId="0" borderId="0"/></cellStyleXfs><cellXfs count="2"><xf '
            'numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/><xf numFmtId="0" fontId="1"'
            ' fillId="0" borderId="0" xfId="0" applyFont="1"/></cellXfs><cellStyles count="1">'
            '<cellStyle name="Normal" xfId="0" builtinId="0"/></cellStyles></styleSheet>')


def _col_letters(n: int) -> list[str]:
    out = []
    for i in range(n):
        s, k = "", i + 1
        while k:
            k, r = divmod(k - 1, 26)
            s = chr(65 + r) + s
        out.append(s)
    return out


def _sheet_xml(handle, columns: Sequence[str], rows: Iterable[Sequence], rtl: bool,
               width: float | None, autofilter: bool = False,
               neutralise: Neutralise | None = None) -> int:
    """Stream one worksheet; returns its last row number (1 = header only). The widths are
    measured on the cells as written (neutralised)."""
    ncols = max(len(columns), 1)
    letters = _col_letters(ncols)
    view = ' rightToLeft="1"' if rtl else ""
    if width is None:
        rows = iter(rows)
        sample = list(itertools.islice(rows, FIT_ROWS))
        widths: Sequence[float] = fitted_widths(
            columns, [safe_row(row, neutralise) for row in sample]) or [MIN_WIDTH]
        rows = itertools.chain(sample, rows)
    else:
        widths = [width] * ncols
    handle.write((f'{_XML}<worksheet xmlns="{_NS}"><sheetViews><sheetView{view} '
                  'workbookViewId="0"><pane ySplit="1" topLeftCell="A2" activePane="bottomLeft" '
                  'state="frozen"/></sheetView></sheetViews><sheetFormatPr defaultRowHeight="15"/>'
                  f'{cols_xml(widths)}<sheetData>').encode())
    header = "".join(cell(f"{letters[c]}1", v, ' s="1"') for c, v in enumerate(columns) if v)
    render = renderer(letters, neutralise)
    rows = iter(rows)
    # written _FLUSH_ROWS rows at a time, the header counted in the first write
    head, size, last = f'<row r="1">{header}</row>'.encode(), _FLUSH_ROWS - 1, 1
    while True:
        block = list(itertools.islice(rows, size))
        body = head + render(block, last + 1) if block else head
        last += len(block)
        if len(block) < size:
            break
        handle.write(body)
        head, size = b"", _FLUSH_ROWS
    tail = "</sheetData>"
    if autofilter:
        tail += f'<autoFilter ref="{_filter_ref(letters, last)}"/>'
    handle.write(body + (tail + "</worksheet>").encode())
    return last


def _filter_ref(letters: Sequence[str], last_row: int) -> str:
    return f"A1:{letters[-1]}{last_row}"


def _quote_sheet(name: str) -> str:
    return "'" + name.replace("'", "''") + "'"


def _member(zf: zipfile.ZipFile, name: str):
    info = zipfile.ZipInfo(name, date_time=(1980, 1, 1, 0, 0, 0))
    info.compress_type = zipfile.ZIP_DEFLATED
    info._compresslevel = 1  # fast deflate: a 100k-row sheet is ~250 MB of XML
    info.external_attr = 0o644 << 16
    return zf.open(info, "w", force_zip64=True)


def _workbook_xml(names: Sequence[str], filters: Sequence[str | None]) -> str:
    """The sheet list, and Excel's hidden ``_FilterDatabase`` name for each autofilter (Excel
    writes it with every filter; readers that look for it find the same range)."""
    listed = "".join(f'<sheet name="{escape(name, _ATTRIBUTE)}" sheetId="{i}" '
                     f'r:id="rId{i}"/>' for i, name in enumerate(names, start=1))
    defined = "".join(
        f'<definedName name="_xlnm._FilterDatabase" localSheetId="{i}" hidden="1">'
        f'{escape(_quote_sheet(name))}!{_absolute(ref)}</definedName>'
        for i, (name, ref) in enumerate(zip(names, filters, strict=True)) if ref)
    defined = f"<definedNames>{defined}</definedNames>" if defined else ""
    return (f'{_XML}<workbook xmlns="{_NS}" xmlns:r="{_REL}"><bookViews>'
            f'<workbookView/></bookViews><sheets>{listed}</sheets>{defined}</workbook>')


def _absolute(ref: str) -> str:
    """``A1:X9`` → ``$A$1:$X$9``."""
    return ":".join(re.sub(r"([A-Z]+)(\d+)", r"$\1$\2", part) for part in ref.split(":"))


def _package(names: Sequence[str], font: str, size: int, fit: bool) -> dict[str, str]:
    n = len(names)
    overrides = "".join(f'<Override PartName="/xl/worksheets/sheet{i}.xml" '
                        f'ContentType="{_CT}.worksheet+xml"/>' for i in range(1, n + 1))
    rels = "".join(f'<Relationship Id="rId{i}" Type="{_REL}/worksheet" '
                   f'Target="worksheets/sheet{i}.xml"/>' for i in range(1, n + 1))
    return {
        "[Content_Types].xml": (
            f'{_XML}<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
            '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.'
            'relationships+xml"/><Default Extension="xml" ContentType="application/xml"/>'
            f'<Override PartName="/xl/workbook.xml" ContentType="{_CT}.sheet.main+xml"/>'
            f'<Override PartName="/xl/styles.xml" ContentType="{_CT}.styles+xml"/>'
            f'{overrides}</Types>'),
        "_rels/.rels": (f'{_XML}<Relationships xmlns="{_PKG}"><Relationship Id="rId1" '
                        f'Type="{_REL}/officeDocument" Target="xl/workbook.xml"/></Relationships>'),
        # without filters the sheet list is known now: the parts keep their former order
        **({} if fit else {"xl/workbook.xml": _workbook_xml(names, [None] * n)}),
        "xl/_rels/workbook.xml.rels": (
            f'{_XML}<Relationships xmlns="{_PKG}">{rels}<Relationship Id="rId{n + 1}" '
            f'Type="{_REL}/styles" Target="styles.xml"/></Relationships>'),
        "xl/styles.xml": _styles(font, size),
    }


def write_xlsx(path: Path, sheets: Iterable[SheetSpec], *, right_to_left: bool = True,
               font: str = "Tahoma", size: int = 8, width: float = 14.0,
               fit: bool = False, neutralise: Neutralise | None = None,
               names: Sequence[str] | None = None) -> None:
    """Write the sheets to ``path`` atomically: a temp file in the same folder, then rename.

    ``names``: the sheets' names, given up front when ``sheets`` is an iterator whose later
    sheets are not known yet (the matrix workbook's sheet comes before the students are read,
    its side sheets after); each sheet must come with its name, in order.

    ``neutralise``: the caller's rule applied to every body cell value (``xlsx_writer``'s
    formula rule), as ``xlsx_rows.safe_row`` states it.

    ``fit``: widths from content (for a sheet that names no width of its own) and an
    autofilter on every sheet. Without it every column is ``width`` wide and nothing is
    filtered (the synthetic input reports keep their bytes)."""
    if names is None:
        sheets = list(sheets)
        names = [name for name, *_ in sheets]
    names = list(names)
    for name in names:
        if not name or len(name) > 31 or any(ch in name for ch in "[]:*?/\\"):
            raise ValueError(f"invalid sheet name: {name!r}")
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.stem}-", suffix=".xlsx.tmp", dir=path.parent)
    os.close(fd)
    try:
        with zipfile.ZipFile(tmp, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=1) as zf:
            for name, text in _package(names, font, size, fit).items():
                with _member(zf, name) as handle:
                    handle.write(text.encode())
            filters: list[str | None] = []
            for i, (name, columns, rows, *own_width) in enumerate(sheets, start=1):
                if i > len(names) or name != names[i - 1]:
                    raise ValueError(f"sheet {i} is {name!r}, not the named one")
                chosen = own_width[0] if own_width else None
                if chosen is None and not fit:
                    chosen = width
                with _member(zf, f"xl/worksheets/sheet{i}.xml") as handle:
                    last = _sheet_xml(handle, columns, rows, right_to_left, chosen, fit,
                                      neutralise)
                filters.append(_filter_ref(_col_letters(max(len(columns), 1)), last)
                               if fit else None)
            if len(filters) != len(names):
                raise ValueError(f"{len(filters)} sheets written, {len(names)} named")
            if fit:   # after the sheets: their filters' last rows are known now
                with _member(zf, "xl/workbook.xml") as handle:
                    handle.write(_workbook_xml(names, filters).encode())
        os.chmod(tmp, 0o666 & ~_umask())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask
