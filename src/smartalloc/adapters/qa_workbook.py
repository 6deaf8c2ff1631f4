"""Write the QA workbook (FR-53): one summary row per rule, every violation, and meta.

The operator reads this file to decide whether a run may be published, so it shows each rule
with its stable id even when it passed, and the overall status first in meta.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

from smartalloc.adapters.xlsx_writer import Cell, Sheet, write_workbook
from smartalloc.domain.qa import QaReport

SUMMARY_COLUMNS = ("rule_id", "description", "status", "violations")
VIOLATION_COLUMNS = ("rule_id", "subject", "detail_fa", "detail_en")
META_COLUMNS = ("key", "value")


def _cell(value: object) -> Cell:
    if value is None or isinstance(value, str | int | float | bool):
        return value
    return str(value)


def write_qa_workbook(path: Path, report: QaReport, meta: Mapping[str, object]) -> None:
    """Atomically write the sheets ``summary``, ``violations`` and ``meta`` to ``path``."""
    summary = [(r.rule_id, r.description_fa, "PASSED" if r.passed else "FAILED",
                len(r.violations)) for r in report.rules]
    violations = [(v.rule_id, v.subject, v.detail_fa, v.detail_en) for v in report.violations]
    failed = sum(not r.passed for r in report.rules)
    meta_rows = [("qa_status", str(report.status)), ("rules", len(report.rules)),
                 ("rules_failed", failed), ("violations", len(violations))]
    meta_rows += [(str(k), _cell(v)) for k, v in meta.items() if k != "qa_status"]
    sheets = [
        Sheet("summary", SUMMARY_COLUMNS, summary, column_width=30.0),
        Sheet("violations", VIOLATION_COLUMNS, violations, column_width=30.0),
        Sheet("meta", META_COLUMNS, meta_rows, column_width=30.0),
    ]
    write_workbook(path, sheets)
