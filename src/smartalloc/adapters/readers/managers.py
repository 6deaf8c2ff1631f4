"""ManagerReport → ``ManagerRecord``s (FR-5, spec A.10); optional input, rows may be absent."""

from __future__ import annotations

from pathlib import Path

from smartalloc.adapters.excel_reader import Workbook, resolve_columns
from smartalloc.adapters.readers._cells import require_header, text_getter
from smartalloc.domain.contracts import MANAGER_REQUIRED
from smartalloc.domain.contracts import ManagerCol as C
from smartalloc.domain.policy import Policy
from smartalloc.domain.records import ManagerRecord


def read_managers(path: Path, policy: Policy) -> tuple[ManagerRecord, ...]:
    """The first sheet; rows without a manager name are skipped."""
    with Workbook(Path(path)) as wb:
        table = wb.table(wb.sheet_names[0], expect=MANAGER_REQUIRED)
    require_header(table)
    cols = resolve_columns(table, (C.NAME, C.CODE), required=MANAGER_REQUIRED,
                           aliases=policy.column_aliases)
    text = text_getter(cols)
    return tuple(ManagerRecord(row_no, name, text(row, C.CODE))
                 for row_no, row in table.iter_rows() if (name := text(row, C.NAME)))
