"""InspactorReport (one row per mentor) → ``MentorReport`` (FR-1, spec B.1).

Only cleaning happens here; types, groups and schools are interpreted by the domain. The
second staff id `کد کارمندی` is never accepted as the mentor id, not even through an alias.
"""

from __future__ import annotations

from pathlib import Path

from smartalloc.adapters.excel_reader import Workbook, file_sha256, resolve_columns
from smartalloc.adapters.readers._cells import (
    id_cell,
    int_cell,
    raise_problems,
    require_rows,
    text_getter,
)
from smartalloc.domain.contracts import InspactorCol as C
from smartalloc.domain.policy import Policy
from smartalloc.domain.records import MentorRecord, MentorReport, Source

WANTED = (
    C.MENTOR_ID, C.NAME, C.MANAGER, C.GENDER, C.MENTOR_TYPE, *C.SCHOOL_SLOTS, C.SCHOOL_COUNT,
    C.COVERED, C.CAPACITY, C.POSTAL, C.GROUP_LIST, C.GROUP_LABEL, C.CAN_ALLOCATE, C.INACTIVE,
    C.WAITING, C.STAFF_ID_FORBIDDEN,
)
REQUIRED = (C.MENTOR_ID, C.NAME, C.MANAGER, (C.GROUP_LIST, C.GROUP_LABEL))
FORBIDDEN = {C.MENTOR_ID: (C.STAFF_ID_FORBIDDEN,)}


def read_mentors(path: Path, policy: Policy) -> MentorReport:
    """The first sheet of the Inspactor workbook; numeric cells must be whole numbers of at
    least 0, a mentor id a whole number or a code."""
    path = Path(path)
    with Workbook(path) as wb:
        sheet = wb.sheet_names[0]
        table = wb.table(sheet, expect=REQUIRED[:3])
    require_rows(table)
    cols = resolve_columns(table, WANTED, required=REQUIRED, aliases=policy.column_aliases,
                           forbidden=FORBIDDEN)
    text = text_getter(cols)
    problems: list = []
    records = []
    for row_no, row in table.iter_rows():
        def number(column: str, row=row, row_no=row_no) -> int | None:
            if column not in cols.index:
                return None
            return int_cell(table, cols, row, row_no, column, problems, minimum=0)

        records.append(MentorRecord(
            row=row_no, mentor_id=id_cell(table, cols, row, row_no, C.MENTOR_ID, problems),
            name=text(row, C.NAME),
            manager=text(row, C.MANAGER), gender_label=text(row, C.GENDER),
            mentor_type=text(row, C.MENTOR_TYPE),
            school_slots=tuple(text(row, s) for s in C.SCHOOL_SLOTS),
            school_count=number(C.SCHOOL_COUNT), covered=number(C.COVERED),
            capacity=number(C.CAPACITY), postal=text(row, C.POSTAL),
            group_list=text(row, C.GROUP_LIST), group_label=text(row, C.GROUP_LABEL),
            can_allocate=text(row, C.CAN_ALLOCATE), inactive=text(row, C.INACTIVE),
            waiting=text(row, C.WAITING),
        ))
    raise_problems(problems)
    source = Source(path.name, sheet, file_sha256(path), len(records))
    return MentorReport(tuple(records), source, has_covered_column=C.COVERED in cols.index,
                        has_capacity_column=C.CAPACITY in cols.index)
