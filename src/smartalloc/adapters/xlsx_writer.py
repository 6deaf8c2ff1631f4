"""Write workbooks: right-to-left sheets, ids as text, formulas neutralised, atomically.

Two engines: rustpy-xlsxwriter (Rust, ~7× faster, see docs/decisions.md) for sheets with
unique headers, XlsxWriter for the rare sheet that repeats a header (the student report's three
`کد ثبت نام` columns). Both write every ``str`` as a text cell, so a national id keeps its
leading zero.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import rustpy_xlsxwriter
import xlsxwriter

Cell = str | int | float | bool | None
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def neutralise(value: Cell) -> Cell:
    """Text that a spreadsheet could run as a formula gets a leading apostrophe (OWASP CSV rule)."""
    if isinstance(value, str) and value.startswith(_FORMULA_STARTS):
        return "'" + value
    return value


@dataclass
class Sheet:
    """One worksheet: a header and rows of cells in header order."""

    name: str
    columns: Sequence[str]
    rows: Iterable[Sequence[Cell]]
    right_to_left: bool = True
    column_width: float | None = 14.0
    extra: dict = field(default_factory=dict)


def _dict_rows(columns: Sequence[str], rows: Iterable[Sequence[Cell]]):
    for row in rows:
        yield {c: neutralise(v) for c, v in zip(columns, row, strict=True)}


def _write_rust(path: Path, sheets: list[Sheet], font_name: str, font_size: int) -> None:
    entries = []
    views, widths, header_formats = {}, {}, {}
    for sheet in sheets:
        rows = _dict_rows(sheet.columns, sheet.rows)
        data = list(rows)
        if not data:  # an empty sheet still shows its contracted header
            data = [dict.fromkeys(sheet.columns)]
        entries.append((sheet.name, data))
        views[sheet.name] = {"right_to_left": sheet.right_to_left}
        if sheet.column_width:
            widths[sheet.name] = [sheet.column_width] * len(sheet.columns)
    del font_name, font_size, header_formats  # rustpy applies its own default font
    rustpy_xlsxwriter.write_worksheets(
        entries, str(path), sheet_view=views, column_widths=widths, bold_headers=True,
        freeze_panes={"general": {"row": 1, "col": 0}},
    )


def _write_xlsxwriter(path: Path, sheets: list[Sheet], font_name: str, font_size: int) -> None:
    workbook = xlsxwriter.Workbook(
        str(path), {"constant_memory": True, "strings_to_numbers": False,
                    "strings_to_formulas": False, "strings_to_urls": False},
    )
    try:
        base = workbook.add_format({"font_name": font_name, "font_size": font_size})
        bold = workbook.add_format({"font_name": font_name, "font_size": font_size, "bold": True})
        for sheet in sheets:
            ws = workbook.add_worksheet(sheet.name)
            if sheet.right_to_left:
                ws.right_to_left()
            if sheet.column_width:
                ws.set_column(0, max(len(sheet.columns) - 1, 0), sheet.column_width, base)
            ws.freeze_panes(1, 0)
            ws.write_row(0, 0, list(sheet.columns), bold)
            for r, row in enumerate(sheet.rows, start=1):
                for c, value in enumerate(row):
                    value = neutralise(value)
                    if value is None or value == "":
                        continue
                    if isinstance(value, str):
                        ws.write_string(r, c, value)
                    else:
                        ws.write_number(r, c, value)
    finally:
        workbook.close()


def _umask_mode() -> int:
    """0o666 minus the process umask: mkstemp creates 0600 files, outputs should be shareable."""
    mask = os.umask(0)
    os.umask(mask)
    return 0o666 & ~mask


def write_workbook(path: Path, sheets: list[Sheet], *, font_name: str = "Tahoma",
                   font_size: int = 8, engine: str = "auto") -> None:
    """Write ``sheets`` to ``path`` atomically (temp file in the same folder, then replace)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    unique = all(len(set(s.columns)) == len(s.columns) for s in sheets)
    use_rust = engine == "rust" or (engine == "auto" and unique)
    fd, tmp_name = tempfile.mkstemp(prefix=f".{path.stem}-", suffix=".xlsx.tmp", dir=path.parent)
    os.close(fd)
    tmp = Path(tmp_name)
    try:
        if use_rust:
            _write_rust(tmp, sheets, font_name, font_size)
        else:
            _write_xlsxwriter(tmp, sheets, font_name, font_size)
        os.chmod(tmp, _umask_mode())
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


def write_csv(path: Path, columns: Sequence[str], rows: Iterable[Sequence[Cell]]) -> None:
    """UTF-8 (with BOM, so Excel shows Persian) CSV, atomically, formulas neutralised."""
    import csv

    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp_name = tempfile.mkstemp(prefix=f".{path.stem}-", suffix=".csv.tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8-sig", newline="") as handle:
            writer = csv.writer(handle)
            writer.writerow(columns)
            for row in rows:
                writer.writerow(["" if v is None else neutralise(v) for v in row])
        os.chmod(tmp_name, _umask_mode())
        os.replace(tmp_name, path)
    except BaseException:
        Path(tmp_name).unlink(missing_ok=True)
        raise
