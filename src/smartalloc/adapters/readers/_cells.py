"""Helpers shared by the readers: row checks, bad-cell problems, a GC pause for bulk reads.

Kept apart from ``excel_reader`` so that module stays about workbooks and headers only.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from smartalloc.adapters.excel_reader import Columns, Table
from smartalloc.domain.errors import InputError, Location, Problem, capped, input_error
from smartalloc.domain.normalize import clean_text, parse_int


def require_rows(table: Table) -> None:
    """Empty sheet / header-only sheet → InputError (for inputs that must hold rows)."""
    if not table.header:
        raise input_error("INPUT_EMPTY_SHEET", "برگه خالی است (نه سرستون دارد نه داده)",
                          "the sheet is empty (no header, no data)", **table.where())
    if next(table.iter_rows(), None) is None:
        raise input_error("INPUT_NO_ROWS", "برگه فقط سرستون دارد و هیچ ردیف داده‌ای ندارد",
                          "the sheet has a header but no data rows", **table.where(table.header_row))


def require_header(table: Table) -> None:
    if not table.header:
        raise input_error("INPUT_EMPTY_SHEET", "برگه خالی است (سرستون ندارد)",
                          "the sheet is empty (no header row)", **table.where())


def cell_problem(table: Table, row: int, column: str, j: int, raw: object, fa: str,
                 en: str) -> Problem:
    """A bad cell: names the row, the column (with its Excel letter) and the value."""
    shown = clean_text(raw)
    return Problem("INPUT_BAD_CELL", f"{fa}: «{shown}»", f"{en}: '{shown}'",
                   Location(table.file, table.sheet, row, f"{column} ({table.letter(j)})"))


def int_cell(table: Table, cols: Columns, row: list, excel_row: int, column: str,
             problems: list[Problem], *, required: bool = False,
             minimum: int | None = None) -> int | None:
    """A whole number; a non-empty non-integer cell (or an empty required one), or one below
    ``minimum`` (a capacity of -5 means nothing) → ``problems``."""
    raw = cols.get(row, column)
    value = parse_int(raw)
    if value is None and (required or clean_text(raw)):
        problems.append(cell_problem(table, excel_row, column, cols.index[column], raw,
                                     "مقدار باید عدد صحیح باشد", "the value must be a whole number"))
    elif value is not None and minimum is not None and value < minimum:
        problems.append(cell_problem(table, excel_row, column, cols.index[column], raw,
                                     f"مقدار باید عدد صحیح {minimum} یا بیشتر باشد",
                                     f"the value must be a whole number of at least {minimum}"))
    return value


_FRACTION = re.compile(r"^[+-]?\d+[.,٫/]\d+$")


def id_cell(table: Table, cols: Columns, row: list, excel_row: int, column: str,
            problems: list[Problem]) -> str:
    """An id as text (``EMP-2`` and ``42`` alike); a fractional number (``12.5``, which could
    be 12 or 125) → ``problems``, never an id of its own."""
    raw = cols.get(row, column)
    text = clean_text(raw)
    if (isinstance(raw, float) and not raw.is_integer()) or _FRACTION.match(text):
        problems.append(cell_problem(table, excel_row, column, cols.index[column], raw,
                                     "شناسه باید عدد صحیح یا کد باشد، نه عدد اعشاری",
                                     "an id must be a whole number or a code, not a fraction"))
    return text


def raise_problems(problems: list[Problem]) -> None:
    """Raise all collected cell problems at once (the first ``MAX_PROBLEMS`` are listed)."""
    if problems:
        raise InputError(capped(problems))


def text_getter(cols: Columns) -> Callable[[list, str], str]:
    """``get(row, column)`` → cleaned text ("" when the column is absent)."""
    return lambda row, column: clean_text(cols.get(row, column))
