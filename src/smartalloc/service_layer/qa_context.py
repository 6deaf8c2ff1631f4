"""Assemble what the QA rules look at from the in-memory outputs of a run (FR-52)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from smartalloc.domain.allocation_report import (
    ALLOCATION_SHEETS,
    CAPACITY_PLAN_COLUMNS,
    CAPACITY_PLAN_SHEET,
    META_COLUMNS,
    META_SHEET,
    TRACE_SHEET,
)
from smartalloc.domain.contracts import MATRIX_COLUMNS
from smartalloc.domain.decision import Decision
from smartalloc.domain.eligibility import EligibilityMatrix
from smartalloc.domain.qa import QaContext, QaReport
from smartalloc.domain.records import StudentRecord
from smartalloc.domain.sabt import SABT_SHEETS, SabtExport
from smartalloc.domain.summary import MentorSummary
from smartalloc.domain.tables import Table

EXPECTED_SHEETS: dict[str, tuple[str, ...]] = {
    **ALLOCATION_SHEETS, CAPACITY_PLAN_SHEET: CAPACITY_PLAN_COLUMNS, META_SHEET: META_COLUMNS,
    **SABT_SHEETS, "matrix": MATRIX_COLUMNS,
}


def qa_context(students: Sequence[StudentRecord], decisions: Sequence[Decision],
               matrix: EligibilityMatrix, allocations: Mapping[str, int], tables: Sequence[Table],
               sabt: SabtExport, summaries: Sequence[MentorSummary], *,
               trace_sheet: bool = True, pre_qa: QaReport | None = None) -> QaContext:
    """The sheets produced are the tables handed to the writers, plus the Sabt and matrix
    sheets with the headers their writers use. The trace sheet is contracted only when the
    run was asked for it (``trace_sheet``), so a run without it does not fail OUT_01 and a
    run with it still checks its columns."""
    expected = (EXPECTED_SHEETS if trace_sheet else
                {k: v for k, v in EXPECTED_SHEETS.items() if k != TRACE_SHEET})
    sheets = {t.name: t.columns for t in tables}
    sheets.update({name: tuple(cols) for name, cols in SABT_SHEETS.items()})
    sheets["Sheet2"] = tuple(sabt.columns)
    sheets["matrix"] = MATRIX_COLUMNS
    occupancy = {m.mentor_id: m.occupancy_ratio for m in summaries}
    earlier = {m.mentor_id: m.allocations_earlier_runs for m in summaries}
    return QaContext(students, decisions, matrix, allocations, sheets, expected,
                     len(sabt.rows), occupancy, earlier,
                     None if pre_qa is None else (matrix, pre_qa))
