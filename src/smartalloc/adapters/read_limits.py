"""The most rows a workbook being read may hold, set around a read (``row_limit``) and checked
by the package guard while it inflates each sheet — so an upload over the service's limit is
refused having read the rows up to the limit, never after reading and checking all of them
(issue I: a 0.7 MB upload of a million short rows took 57 s and 750 MB before its 413).

A context variable, not a parameter of every reader: only the upload check sets it (a run on
the command line reads what it is given), and the readers stay as a run calls them.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

from smartalloc.domain.errors import LimitError, Location, Problem

# Rows a sheet may hold above its data: a title, notes and the header row, within the rows a
# reader looks through for the header (``excel_reader._HEADER_SCAN``).
ABOVE_DATA = 11

_LIMIT: ContextVar[int | None] = ContextVar("smartalloc_row_limit", default=None)


@contextmanager
def row_limit(rows: int | None) -> Iterator[None]:
    token = _LIMIT.set(rows)
    try:
        yield
    finally:
        _LIMIT.reset(token)


def sheet_row_limit() -> int | None:
    """The last Excel row a sheet may reach while a limit is set (None: no limit)."""
    limit = _LIMIT.get()
    return None if limit is None else limit + ABOVE_DATA


def too_many_rows(file: str, part: str, reached: int) -> LimitError:
    limit = _LIMIT.get()
    return LimitError(Problem(
        "UPLOAD_TOO_MANY_ROWS",
        f"برگه‌ای از فایل ({part}) به ردیف {reached:,} رسیده است؛ بیشترین مجاز {limit:,} ردیف "
        "داده است؛ فایل را چند فایل کنید",
        f"a sheet of the workbook ({part}) reaches row {reached:,}; the limit is {limit:,} "
        "data rows: split the file", Location(file=file)))
