"""Write the output workbooks and CSVs: formulas neutralised, right-to-left, atomically.

Every output goes through here so that the formula-injection rule is applied in one place;
the bytes are produced by the streaming writer in ``xlsx_stream``.
"""

from __future__ import annotations

import csv
import os
import tempfile
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from smartalloc.adapters.xlsx_stream import write_xlsx

Cell = str | int | float | bool | None
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def neutralise(value: Cell) -> Cell:
    """Text that a spreadsheet could run as a formula gets a leading apostrophe (OWASP rule)."""
    if isinstance(value, str) and value.startswith(_FORMULA_STARTS):
        return "'" + value
    return value


@dataclass
class Sheet:
    """One worksheet: a header and rows of cells in header order. ``column_width`` None (the
    default): each column as wide as its content needs."""

    name: str
    columns: Sequence[str]
    rows: Iterable[Sequence[Cell]]
    right_to_left: bool = True
    column_width: float | None = None


def _safe_rows(rows: Iterable[Sequence[Cell]]):
    starts = _FORMULA_STARTS
    for row in rows:
        if any(v.__class__ is str and v.startswith(starts) for v in row):
            yield [neutralise(v) for v in row]
        else:
            yield row


def write_workbook(path: Path, sheets: list[Sheet], *, font_name: str = "Tahoma",
                   font_size: int = 8) -> None:
    """Write ``sheets`` to ``path`` atomically, each column fitted to its content and every
    sheet with an autofilter on its header (people sort and filter these tables)."""
    write_sheets(path, [s.name for s in sheets], iter(sheets),
                 right_to_left=all(s.right_to_left for s in sheets), font_name=font_name,
                 font_size=font_size)


def write_sheets(path: Path, names: Sequence[str], sheets: Iterable[Sheet], *,
                 right_to_left: bool, font_name: str = "Tahoma", font_size: int = 8) -> None:
    """``write_workbook`` for sheets that arrive one by one (``names``: all of them, in order),
    so the first can be written before the later ones are known."""
    # body cells: neutralised by the stream, once per distinct value of a column (issue P)
    write_xlsx(Path(path), ((s.name, [neutralise(c) for c in s.columns], s.rows,
                             s.column_width) for s in sheets),
               right_to_left=right_to_left, font=font_name, size=font_size, fit=True,
               neutralise=neutralise, names=names)


def write_csv(path: Path, columns: Sequence[str], rows: Iterable[Sequence[Cell]]) -> None:
    """UTF-8 (with BOM, so Excel shows Persian) CSV, atomically, formulas neutralised."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp_name = tempfile.mkstemp(prefix=f".{path.stem}-", suffix=".csv.tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8-sig", newline="") as handle:
            writer = csv.writer(handle)
            writer.writerow(columns)
            writer.writerows(["" if v is None else v for v in row] for row in _safe_rows(rows))
        mask = os.umask(0)
        os.umask(mask)
        os.chmod(tmp_name, 0o666 & ~mask)
        os.replace(tmp_name, path)
    except BaseException:
        Path(tmp_name).unlink(missing_ok=True)
        raise
