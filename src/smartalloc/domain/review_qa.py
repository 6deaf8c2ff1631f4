"""QA on a reviewed run (issue K): the run's rules, plus one that lists every exception.

An administrator's exception puts a student with a mentor outside its matrix rows, which the
school rule (``QA_RULE_SCHOOL_01``) reports as a breach. Dropping it would hide the exception;
failing QA on it would make every exception a failed export. So a reviewed export moves the
school rule's findings about *audited* exceptions to ``QA_RULE_REVIEW_01``, which lists each one
(shown in the QA workbook, never counted as a breach) — while an allocation outside the matrix
that no audited exception explains stays a breach of the school rule, failing QA.
"""

from __future__ import annotations

from collections.abc import Mapping

from smartalloc.domain.qa import (
    DESCRIPTIONS_FA,
    REVIEW_01,
    SCHOOL_01,
    QaContext,
    QaReport,
    QaRuleResult,
    QaStatus,
    QaViolation,
    run_all_invariants,
)
from smartalloc.domain.review import ReviewChange


def reviewed_qa(ctx: QaContext, exceptions: Mapping[str, ReviewChange]) -> QaReport:
    """The run's rules on the reviewed set, with the exceptions in force (national id → the
    audited change that made it) listed by ``QA_RULE_REVIEW_01``."""
    report = run_all_invariants(ctx)
    school = report.rule(SCHOOL_01)
    kept = [v for v in school.violations if v.subject not in exceptions]
    school.violations, school.passed = kept, not kept
    listed = [QaViolation(REVIEW_01, nid,
                          f"استثنا به پشتیبان {c.to_mentor} توسط {c.by} در {c.at}: {c.reason}",
                          f"exception to mentor {c.to_mentor} by {c.by} at {c.at}: {c.reason}")
              for nid, c in sorted(exceptions.items())]
    report.rules.append(QaRuleResult(REVIEW_01, DESCRIPTIONS_FA[REVIEW_01], True, [], listed))
    if report.status is QaStatus.FAILED_QA and all(r.passed for r in report.rules):
        report.status = QaStatus.PASSED_QA
    return report
