"""SchoolReport → ``SchoolRecord``s (FR-2, spec B.3): the code ↔ name reference of schools.

A row without a school code (a footer or note row) is skipped; a code that is not a whole
number is an error, because a wrong code would silently unbind a school mentor.
"""

from __future__ import annotations

from pathlib import Path

from smartalloc.adapters.excel_reader import Workbook, resolve_columns
from smartalloc.adapters.readers._cells import int_cell, raise_problems, require_rows, text_getter
from smartalloc.domain.contracts import SCHOOL_REQUIRED
from smartalloc.domain.contracts import SchoolCol as C
from smartalloc.domain.policy import Policy
from smartalloc.domain.records import SchoolRecord

WANTED = (C.CODE, C.NAME, C.GENDER, C.STAGE)


def read_schools(path: Path, policy: Policy) -> tuple[SchoolRecord, ...]:
    """The first sheet of the SchoolReport workbook."""
    with Workbook(Path(path)) as wb:
        table = wb.table(wb.sheet_names[0], expect=SCHOOL_REQUIRED)
    require_rows(table)
    cols = resolve_columns(table, WANTED, required=SCHOOL_REQUIRED, aliases=policy.column_aliases)
    text = text_getter(cols)
    problems: list = []
    records = []
    for row_no, row in table.iter_rows():
        if not text(row, C.CODE):
            continue
        code = int_cell(table, cols, row, row_no, C.CODE, problems, minimum=0)
        if code is not None:
            records.append(SchoolRecord(row_no, code, text(row, C.NAME), text(row, C.GENDER),
                                        text(row, C.STAGE)))
    raise_problems(problems)
    return tuple(records)

