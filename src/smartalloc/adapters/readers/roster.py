"""Current roster of registration codes → ``RosterEntry``s (FR-7, D8, spec C.7).

Counters continue after the highest code in the roster, so a code column is required; the
national id lets a returning student keep the code. An empty roster (new year) is valid.
"""

from __future__ import annotations

from pathlib import Path

from smartalloc.adapters.excel_reader import Workbook, resolve_columns
from smartalloc.adapters.readers._cells import require_header, text_getter
from smartalloc.domain.contracts import ROSTER_SHEETS
from smartalloc.domain.contracts import RosterCol as C
from smartalloc.domain.national_id import normalize_national_id
from smartalloc.domain.records import RosterEntry

REQUIRED = (C.CODE, C.NATIONAL_ID)
ALIASES = {
    C.CODE: ["کد ثبت نام", "کد ثبت نام0", "registration_code", "code"],
    C.NATIONAL_ID: ["کدملی", "national_id"],
}


def read_roster(path: Path) -> tuple[RosterEntry, ...]:
    """A sheet named in ROSTER_SHEETS, else the first sheet; rows without a code are skipped."""
    with Workbook(Path(path)) as wb:
        sheet = wb.find_sheet(*ROSTER_SHEETS) or wb.sheet_names[0]
        table = wb.table(sheet, expect=REQUIRED)
    require_header(table)
    cols = resolve_columns(table, REQUIRED, required=REQUIRED, aliases=ALIASES)
    text = text_getter(cols)
    name = Path(path).name
    return tuple(RosterEntry(code, normalize_national_id(text(row, C.NATIONAL_ID)), row_no, name)
                 for row_no, row in table.iter_rows() if (code := text(row, C.CODE)))
