"""Write the QA workbook (FR-53): one summary row per rule, every violation, and meta.

The operator reads this file to decide whether a run may be published, so it shows each rule
with its stable id even when it passed, and the overall status first in meta. Sheets, headers
and results are in Persian (issue J, words from ``glossary``); the rule ids and statuses
(``QA_RULE_STU_01``, ``PASSED``, ``PASSED_QA``) stay in «… (کد)» columns for scripts.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

from smartalloc.adapters.xlsx_writer import Cell, Sheet, write_workbook
from smartalloc.domain import glossary
from smartalloc.domain.allocation_report import META_COLUMNS, META_SHEET, code_column
from smartalloc.domain.qa import QaReport

SUMMARY_SHEET, VIOLATIONS_SHEET = "خلاصه قواعد", "موارد نقض"
LISTED_SHEET = "موارد فهرست‌شده"   # shown, not breaches: a reviewed export's exceptions
RULE, RULE_CODE = "قاعده", code_column("قاعده")
SUMMARY_COLUMNS = (RULE, "شرح", "نتیجه", "تعداد موارد نقض", RULE_CODE, code_column("نتیجه"))
VIOLATION_COLUMNS = (RULE, "مورد", "شرح", "شرح (انگلیسی)", RULE_CODE)


def _cell(value: object) -> Cell:
    if value is None or isinstance(value, str | int | float | bool):
        return value
    return str(value)


def write_qa_workbook(path: Path, report: QaReport, meta: Mapping[str, object]) -> None:
    """Atomically write the rule summary, the violations and the run's facts to ``path``."""
    rule_fa = glossary.labels_fa(glossary.QA_RULES)
    summary = []
    for r in report.rules:
        result = "PASSED" if r.passed else "FAILED"
        summary.append((rule_fa.get(r.rule_id, r.rule_id), r.description_fa,
                        glossary.fa(glossary.QA_RESULTS, result), len(r.violations),
                        r.rule_id, result))
    violations = [(rule_fa.get(v.rule_id, v.rule_id), v.subject, v.detail_fa, v.detail_en,
                   v.rule_id) for v in report.violations]
    facts: dict[str, object] = {
        "qa_status": str(report.status), "rules": len(report.rules),
        "rules_failed": sum(not r.passed for r in report.rules), "violations": len(violations)}
    facts.update((str(k), v) for k, v in meta.items() if k != "qa_status")
    listed = [(rule_fa.get(v.rule_id, v.rule_id), v.subject, v.detail_fa, v.detail_en,
               v.rule_id) for r in report.rules for v in r.listed]
    sheets = [
        Sheet(SUMMARY_SHEET, SUMMARY_COLUMNS, summary),
        Sheet(VIOLATIONS_SHEET, VIOLATION_COLUMNS, violations),
        *([Sheet(LISTED_SHEET, VIOLATION_COLUMNS, listed)] if listed else []),
        Sheet(META_SHEET, META_COLUMNS, glossary.meta_rows(facts, _cell)),
    ]
    write_workbook(path, sheets)
