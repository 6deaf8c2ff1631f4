"""The eligibility-matrix workbook (SSoT §10) and its CSV twin.

Sheets: matrix, validation, managers (each manager's centre and how it was found, D16),
removed_mentors, unmatched_schools, unseen_groups, invalid_mentors,
meta, all right-to-left. Ids and aliases are written as text so `0123`-style values and
Excel's number guessing never change them; an empty side sheet still shows its header.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from pathlib import Path

from smartalloc.adapters.xlsx_writer import Cell, Sheet, write_csv, write_sheets, write_workbook
from smartalloc.domain.centres import MANAGER_CENTRE_COLUMNS, manager_centre_rows
from smartalloc.domain.contracts import (
    CENTER_LABELS,
    GENDER_LABELS,
    MATRIX_COLUMNS,
    ROW_KIND_NORMAL,
    ROW_KIND_SCHOOL,
    STATUS_LABELS,
)
from smartalloc.domain.eligibility import EligibilityMatrix, MatrixRow, SideRow
from smartalloc.domain.policy import Policy
from smartalloc.domain.tables import LazyRows

REMOVED_COLUMNS = ("کد کارمندی پشتیبان", "پشتیبان", "مدیر", "وضعیت", "تحت پوشش فعلی",
                   "ظرفیت خاص", "مدرسه (خام)", "گروه آزمایشی (خام)", "دلیل حذف", "منبع",
                   "row_index")
UNMATCHED_COLUMNS = ("raw_school", "supporter", "manager", "mentor_id", "kind", "candidates",
                     "reason", "row_index")
UNSEEN_COLUMNS = ("group_token", "supporter", "manager", "mentor_id", "reason", "row_index")
INVALID_COLUMNS = ("row_index", "پشتیبان", "مدیر", "reason", "mentor_id", "value")
META_COLUMNS = ("key", "value")


def matrix_rows(rows: Sequence[MatrixRow]) -> Iterator[tuple[Cell, ...]]:
    """Matrix rows in MATRIX_COLUMNS order, counter 1..N."""
    for counter, r in enumerate(rows, start=1):
        yield (counter, str(r.alias), r.mentor_name, str(r.mentor_id), r.manager, "",
               r.group_name, r.group, r.gender, r.status, r.center, r.finance, r.school,
               ROW_KIND_SCHOOL if r.is_school_row else ROW_KIND_NORMAL, r.school_name,
               GENDER_LABELS.get(r.gender, ""), STATUS_LABELS.get(r.status, ""),
               CENTER_LABELS.get(r.center, ""), r.covered, r.capacity,
               max(r.capacity - r.covered, 0))


def matrix_cells(rows: Sequence[MatrixRow]) -> LazyRows:
    """The matrix sheet's cells (``matrix_rows``), rendered when first read and kept: the CSV
    and the workbook, which one process writes one after the other, render them once (issue
    P: 0.17 s of CPU at 100k)."""
    return LazyRows(lambda: list(matrix_rows(rows)), len(rows))


def _cell(value: object) -> Cell:
    if value is None or isinstance(value, str | int | float | bool):
        return value  # type: ignore[return-value]
    return str(value)


def _extra(side: SideRow, key: str) -> Cell:
    return _cell(dict(side.extra).get(key, ""))


def _removed(rows: Sequence[SideRow]) -> list[tuple[Cell, ...]]:
    return [(s.mentor_id, s.mentor_name, s.manager, _extra(s, "status") or s.value,
             _extra(s, "covered"), _extra(s, "capacity"), _extra(s, "schools_raw"),
             _extra(s, "groups_raw"), s.reason_fa, _extra(s, "source"), s.source_row)
            for s in rows]


def _meta(matrix: EligibilityMatrix, policy: Policy,
          meta: Mapping[str, object]) -> list[tuple[Cell, Cell]]:
    c = matrix.coverage
    base: dict[str, object] = {
        "policy_version": policy.version, "policy_stamp": policy.stamp,
        "ssot_version": policy.ssot_version, "matrix_rows": len(matrix.rows),
        "pool_size": len(matrix.pool), "r0_skipped": int(matrix.r0_skipped),
        "coverage_ratio": c.coverage_ratio, "coverage_denominator_groups": c.total_groups,
        "coverage_denominator_mode": c.denominator_mode,
        "include_blocked_candidates_in_denominator":
            int(c.include_blocked_candidates_in_denominator),
    }
    base.update(meta)
    return [(str(k), _cell(v)) for k, v in base.items()]


def matrix_sheets(matrix: EligibilityMatrix, policy: Policy, meta: Mapping[str, object],
                  cells: Iterable[Sequence[Cell]] | None = None) -> list[Sheet]:
    """``cells``: the matrix sheet's, if rendered already (``matrix_cells``)."""
    return [_matrix_sheet(matrix_rows(matrix.rows) if cells is None else cells, policy),
            *side_sheets(matrix, policy, meta)]


def _matrix_sheet(cells: Iterable[Sequence[Cell]], policy: Policy) -> Sheet:
    return Sheet("matrix", MATRIX_COLUMNS, cells, policy.excel.right_to_left)


def side_sheets(matrix: EligibilityMatrix, policy: Policy,
                meta: Mapping[str, object]) -> list[Sheet]:
    """Every sheet after the matrix sheet: small, and some count the students (coverage)."""
    rtl = policy.excel.right_to_left
    validation = matrix.validation or {"total_rows": len(matrix.rows)}
    return [
        Sheet("validation", tuple(validation), [tuple(_cell(v) for v in validation.values())],
              rtl),
        Sheet("managers", MANAGER_CENTRE_COLUMNS,
              [tuple(_cell(v) for v in row) for row in manager_centre_rows(matrix.centres)], rtl),
        Sheet("removed_mentors", REMOVED_COLUMNS, _removed(matrix.removed_mentors), rtl),
        Sheet("unmatched_schools", UNMATCHED_COLUMNS,
              [(s.value, s.mentor_name, s.manager, s.mentor_id, _extra(s, "kind"),
                _extra(s, "candidates"), s.reason_fa, s.source_row)
               for s in matrix.unmatched_schools], rtl),
        Sheet("unseen_groups", UNSEEN_COLUMNS,
              [(s.value, s.mentor_name, s.manager, s.mentor_id, s.reason_fa, s.source_row)
               for s in matrix.unseen_groups], rtl),
        Sheet("invalid_mentors", INVALID_COLUMNS,
              [(s.source_row, s.mentor_name, s.manager, s.reason_fa, s.mentor_id, s.value)
               for s in matrix.invalid_mentors], rtl),
        Sheet("meta", META_COLUMNS, _meta(matrix, policy, meta), rtl),
    ]


SHEET_NAMES = ("matrix", "validation", "managers", "removed_mentors", "unmatched_schools",
               "unseen_groups", "invalid_mentors", "meta")


def write_matrix_workbook(path: Path, matrix: EligibilityMatrix, policy: Policy,
                          meta: Mapping[str, object],
                          cells: Iterable[Sequence[Cell]] | None = None) -> None:
    """Write the matrix workbook atomically (via ``xlsx_writer.write_workbook``)."""
    write_workbook(Path(path), matrix_sheets(matrix, policy, meta, cells),
                   font_name=policy.excel.font_name, font_size=policy.excel.font_size)


def write_matrix_workbook_then(path: Path, cells: Iterable[Sequence[Cell]], policy: Policy,
                               later: Callable[[], Sequence[Sheet]]) -> None:
    """The same workbook, its matrix sheet written from the mentors' side alone (``cells``,
    rendered by ``matrix_rows``) and the side sheets once ``later`` gives them
    (``side_sheets``, when the students are read)."""
    rtl = policy.excel.right_to_left

    def sheets() -> Iterator[Sheet]:
        yield _matrix_sheet(cells, policy)
        yield from later()

    write_sheets(Path(path), SHEET_NAMES, sheets(), right_to_left=rtl,
                 font_name=policy.excel.font_name, font_size=policy.excel.font_size)


def write_matrix_csv(path: Path, cells: Iterable[Sequence[Cell]]) -> None:
    """`eligibility_matrix.csv`: exactly the matrix sheet (``matrix_rows``, ``matrix_cells``)."""
    write_csv(Path(path), MATRIX_COLUMNS, cells)
