"""Student report → ``StudentBatch`` (FR-4, FR-9, D1): the six keys, the id, every column.

Built for 100k rows × 59 columns: the cells are turned into records column by column by
``domain.student_rows`` (shared with live intake, issue L). Bad student cells are per-row
``key_problems``, never exceptions.
"""

from __future__ import annotations

from collections.abc import Sequence
from itertools import repeat
from pathlib import Path

from smartalloc.adapters.excel_reader import Columns, Table, Workbook, file_sha256, resolve_columns
from smartalloc.adapters.readers._cells import require_rows
from smartalloc.adapters.sheet_halves import StudentCheck
from smartalloc.domain.contracts import STUDENT_COLUMNS, STUDENT_REQUIRED, STUDENT_SHEET
from smartalloc.domain.contracts import StudentCol as C
from smartalloc.domain.errors import InputError, input_error
from smartalloc.domain.gc_pause import gc_paused
from smartalloc.domain.policy import Policy
from smartalloc.domain.records import Source, StudentBatch, StudentRecord
from smartalloc.domain.student_rows import build_records
from smartalloc.service_layer.progress import step

WANTED = tuple(dict.fromkeys(STUDENT_COLUMNS))
NATIONAL_IDS = (C.NATIONAL_ID, C.NATIONAL_ID_2)
REQUIRED = (*STUDENT_REQUIRED, NATIONAL_IDS)
NID_FALLBACK = {C.NATIONAL_ID: [C.NATIONAL_ID_2], C.NATIONAL_ID_2: [C.NATIONAL_ID]}


def read_students(path: Path, policy: Policy, checked: StudentCheck | None = None) -> StudentBatch:
    """Sheet `Sabt (5)` if present, else the first sheet holding the student key columns.
    ``checked``: the package check, if it was started earlier (``student_check``)."""
    path = Path(path)
    aliases = {**NID_FALLBACK, **policy.column_aliases}
    with gc_paused():
        with Workbook(path, checked) as wb:
            step("sheet", item="students")     # the package is checked: its sheet is parsed
            table, cols = _pick_sheet(wb, aliases)
        require_rows(table)
        step("rows", len(table.rows), item="students")
        records = _records(table, cols)
    return StudentBatch(records, Source(path.name, table.sheet, file_sha256(path), len(records)))


def _resolve(table: Table, aliases: dict) -> Columns:
    return resolve_columns(table, WANTED, required=REQUIRED, aliases=aliases,
                           multi=(C.PRIOR_CODE,))


def _pick_sheet(wb: Workbook, aliases: dict) -> tuple[Table, Columns]:
    """`Sabt (5)`, else the first sheet whose header resolves; else the first sheet's error."""
    named = wb.find_sheet(STUDENT_SHEET)
    if named is not None:
        table = wb.table(named, expect=STUDENT_REQUIRED)
        require_rows(table)
        return table, _resolve(table, aliases)
    first_error: InputError | None = None
    for name in wb.sheet_names:
        table = wb.table(name, expect=STUDENT_REQUIRED)
        if not table.header:
            continue
        try:
            return table, _resolve(table, aliases)
        except InputError as exc:  # a duplicated key column marks the student sheet: stop
            if any(p.code == "INPUT_DUPLICATE_COLUMN" for p in exc.problems):
                raise
            first_error = first_error or exc
    raise first_error or input_error(
        "INPUT_EMPTY_WORKBOOK", "همه برگه‌های فایل خالی است (سرستون و داده ندارد)",
        "every sheet of the workbook is empty", file=wb.name, sheet=wb.sheet_names[0])


def _positions(cols: Columns) -> list[int]:
    """Row position of every STUDENT_COLUMNS entry; -1 = absent (a column of "")."""
    prior = iter(cols.multi.get(C.PRIOR_CODE, ()))
    return [next(prior, -1) if name == C.PRIOR_CODE else cols.index.get(name, -1)
            for name in STUDENT_COLUMNS]


def _records(table: Table, cols: Columns) -> tuple[StudentRecord, ...]:
    """Blank rows dropped (Excel numbering of the others kept), the rest by the shared row
    rules (``domain.student_rows``), which a live intake entry goes through as well."""
    width = len(table.header)
    empties = list(map(list.count, table.rows, repeat("", len(table.rows))))
    numbers = range(table.header_row + 1, table.header_row + 1 + len(table.rows))
    rows: Sequence[list] = table.rows
    if width in empties:  # drop blank rows (rare): keep Excel numbering of the others
        kept = [(n, r) for n, r, e in zip(numbers, rows, empties, strict=True) if e != width]
        if not kept:
            return ()
        numbers, rows = zip(*kept, strict=True)  # type: ignore[assignment]
    return build_records(rows, _positions(cols), numbers)
