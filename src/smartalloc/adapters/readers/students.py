"""Student report → ``StudentBatch`` (FR-4, FR-9, D1): the six keys, the id, every column.

Built for 100k rows × 59 columns: the sheet is processed column by column, so ``clean_text``
and ``parse_int`` run once per distinct value of a column (the same few values repeat in most
columns) and rows are re-assembled by ``zip``. Bad student cells are per-row ``key_problems``,
never exceptions.
"""

from __future__ import annotations

from collections.abc import Sequence
from itertools import repeat
from pathlib import Path

from smartalloc.adapters.excel_reader import Columns, Table, Workbook, file_sha256, resolve_columns
from smartalloc.adapters.readers._cells import require_rows
from smartalloc.domain.contracts import STUDENT_COLUMNS, STUDENT_REQUIRED, STUDENT_SHEET
from smartalloc.domain.contracts import StudentCol as C
from smartalloc.domain.errors import InputError, input_error
from smartalloc.domain.gc_pause import gc_paused
from smartalloc.domain.national_id import normalize_national_id
from smartalloc.domain.normalize import clean_text, parse_int
from smartalloc.domain.policy import Policy
from smartalloc.domain.records import STUDENT_INDEX, Source, StudentBatch, StudentRecord
from smartalloc.service_layer.progress import step

WANTED = tuple(dict.fromkeys(STUDENT_COLUMNS))
NATIONAL_IDS = (C.NATIONAL_ID, C.NATIONAL_ID_2)
REQUIRED = (*STUDENT_REQUIRED, NATIONAL_IDS)
# StudentRecord field order: group, gender, status, center, finance, school.
KEY_COLUMNS = (C.GROUP, C.GENDER, C.EDU_STATUS, C.CENTER, C.FINANCE, C.SCHOOL)
# In ASCII text ``clean_text`` only changes whitespace runs/edges and "12.0" numbers. Values
# are joined with \x01 (a value boundary); "." is refused wholesale, to stay on the safe side.
_ASCII_DIRTY = ("\t", "\n", "\r", "\x0b", "\x0c", "\x1c", "\x1d", "\x1e", "\x1f", "  ", "\x01 ",
                " \x01", ".")
NID_FALLBACK = {C.NATIONAL_ID: [C.NATIONAL_ID_2], C.NATIONAL_ID_2: [C.NATIONAL_ID]}


def read_students(path: Path, policy: Policy) -> StudentBatch:
    """Sheet `Sabt (5)` if present, else the first sheet holding the student key columns."""
    path = Path(path)
    aliases = {**NID_FALLBACK, **policy.column_aliases}
    with gc_paused():
        with Workbook(path) as wb:
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
    """Column-wise: each distinct cell value is cleaned/parsed once, rows are re-zipped in C."""
    width = len(table.header)
    empties = list(map(list.count, table.rows, repeat("", len(table.rows))))
    numbers = range(table.header_row + 1, table.header_row + 1 + len(table.rows))
    rows: Sequence[list] = table.rows
    if width in empties:  # drop blank rows (rare): keep Excel numbering of the others
        kept = [(n, r) for n, r, e in zip(numbers, rows, empties, strict=True) if e != width]
        if not kept:
            return ()
        numbers, rows = zip(*kept, strict=True)  # type: ignore[assignment]
    raw_columns = list(zip(*rows, strict=True))
    blank = ("",) * len(rows)
    cleaned: dict[int, tuple[str, ...]] = {-1: blank}
    for pos in _positions(cols):
        if pos not in cleaned:
            cleaned[pos] = _clean_column(raw_columns[pos])
    columns = [cleaned[pos] for pos in _positions(cols)]
    problems: dict[int, list[tuple[str, str]]] = {}
    keys = [_key_column(name, columns[STUDENT_INDEX[name]], problems) for name in KEY_COLUMNS]
    raws = [a or b for a, b in zip(columns[STUDENT_INDEX[C.NATIONAL_ID]],
                                   columns[STUDENT_INDEX[C.NATIONAL_ID_2]], strict=True)]
    nids = [r if len(r) == 10 and r.isascii() and r.isdigit() else normalize_national_id(r)
            for r in raws]
    # codes as written: the counters judge each and list the unusable ones by row (D15)
    prior_cols = [c for name, c in zip(STUDENT_COLUMNS, columns, strict=True)
                  if name in (C.PRIOR_CODE, C.PRIOR_CODE0) and c is not blank]
    priors = list(map(_prior, zip(*prior_cols, strict=True))) if prior_cols else [()] * len(rows)
    issues: list[tuple] = [()] * len(rows)
    for i, found in problems.items():
        issues[i] = tuple(found)
    return tuple(map(StudentRecord, numbers, range(len(rows)), nids, raws, *keys,
                     zip(*columns, strict=True), priors, issues))


def _clean_column(column: tuple) -> tuple[str, ...]:
    """``clean_text`` of every cell, computed once per distinct value of the column.

    Columns of plain ASCII text without stray whitespace or "12.0" numbers (ids, phones,
    codes, dates, empty columns) are already clean: one join and a few C-level scans prove it.
    """
    joined = _ascii_joined(column)
    if (joined is not None and joined.isascii() and not joined.startswith(" ")
            and not joined.endswith(" ") and not any(m in joined for m in _ASCII_DIRTY)):
        return column
    try:
        mapping = {v: v if v.__class__ is str and v.isascii() and v.isdigit() else clean_text(v)
                   for v in set(column)}
    except TypeError:  # an unhashable cell value: clean cell by cell
        return tuple(map(clean_text, column))
    return tuple(map(mapping.__getitem__, column))


def _ascii_joined(column: tuple) -> str | None:
    """The column joined by \x01 when it may be plain ASCII text, else None."""
    first = next(filter(None, column), "")
    if first.__class__ is not str or not first.isascii():  # Persian text or numbers
        return None
    try:
        return "\x01".join(column)
    except TypeError:  # numbers or dates further down
        return None


def _key_column(name: str, column: tuple[str, ...],
                problems: dict[int, list[tuple[str, str]]]) -> list[int | None]:
    """A key as int per row; empty school → 0; anything else unreadable → ``problems``."""
    parsed = {t: parse_int(t) for t in set(column)}
    if name == C.SCHOOL and "" in parsed:
        parsed[""] = 0
    values = list(map(parsed.__getitem__, column))
    if None in parsed.values():
        for i, value in enumerate(values):
            if value is None:
                problems.setdefault(i, []).append((name, column[i]))
    return values


def _prior(codes: tuple[str, ...]) -> tuple[str, ...]:
    """Non-empty codes of one row, deduplicated in order."""
    return tuple(dict.fromkeys(filter(None, codes)))

