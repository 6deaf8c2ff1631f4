"""History seed workbook (sheet `history`) → ``HistoryEntry``s for ``history import``.

Used to load allocations made before SmartAlloc existed (or by the synthetic generator). The
six keys must be whole numbers: a wrong key in history would silently mis-dedupe a student.
"""

from __future__ import annotations

from pathlib import Path

from smartalloc.adapters.excel_reader import Workbook, resolve_columns
from smartalloc.adapters.readers._cells import (
    cell_problem,
    int_cell,
    raise_problems,
    require_header,
    text_getter,
)
from smartalloc.domain.contracts import JOIN_KEYS
from smartalloc.domain.national_id import normalize_national_id
from smartalloc.domain.records import HistoryEntry

SHEET = "history"
NATIONAL_ID, MENTOR_ID, CODE = "national_id", "mentor_id", "registration_code"
CHANNEL, ALLOCATED_AT, RUN_ID, STAMP = "allocation_channel", "allocated_at", "run_id", "policy_stamp"
REQUIRED = (NATIONAL_ID, MENTOR_ID, CODE, *JOIN_KEYS, CHANNEL)
WANTED = (*REQUIRED, ALLOCATED_AT, RUN_ID, STAMP)
DEFAULT_RUN_ID = DEFAULT_STAMP = "seed"
ALIASES = {
    NATIONAL_ID: ["کد ملی", "کدملی"], MENTOR_ID: ["کد کارمندی پشتیبان"],
    CODE: ["student_id", "کد ثبت نام"], CHANNEL: ["channel"],
    **dict(zip(JOIN_KEYS, ([e] for e in ("group_code", "gender", "graduation_status", "center",
                                         "finance", "school_code")), strict=True)),
}


def read_history_seed(path: Path) -> tuple[HistoryEntry, ...]:
    """Sheet `history` (else the first sheet). Missing run id / stamp default to "seed"."""
    with Workbook(Path(path)) as wb:
        table = wb.table(wb.find_sheet(SHEET) or wb.sheet_names[0], expect=REQUIRED)
    require_header(table)
    cols = resolve_columns(table, WANTED, required=REQUIRED, aliases=ALIASES)
    text = text_getter(cols)
    problems: list = []
    entries = []
    for row_no, row in table.iter_rows():
        keys = tuple(int_cell(table, cols, row, row_no, k, problems, required=True)
                     for k in JOIN_KEYS)
        nid = normalize_national_id(text(row, NATIONAL_ID))
        if not nid:
            problems.append(cell_problem(table, row_no, NATIONAL_ID, cols.index[NATIONAL_ID], "",
                                         "کد ملی خالی است", "the national id is empty"))
        if None in keys or not nid:
            continue
        entries.append(HistoryEntry(
            nid, text(row, MENTOR_ID), text(row, CODE), keys, text(row, CHANNEL),  # type: ignore[arg-type]
            text(row, ALLOCATED_AT), text(row, RUN_ID) or DEFAULT_RUN_ID,
            text(row, STAMP) or DEFAULT_STAMP))
    raise_problems(problems)
    return tuple(entries)
