"""QA invariants (A.2, D10): every rule passes on a consistent run and can fail."""

from __future__ import annotations

import dataclasses

import pytest

from smartalloc.domain.decision import FailureClass
from smartalloc.domain.eligibility import SideRow
from smartalloc.domain.qa import (
    ALLOC_01,
    JOIN_01,
    OUT_01,
    SCHOOL_01,
    STU_01,
    STU_02,
    QaContext,
    QaStatus,
    run_all_invariants,
    run_pre_qa,
)
from smartalloc.domain.sabt import SABT_SHEETS

from .factories import make_decision, make_matrix, make_matrix_row, make_pool_mentor, make_student

ALL_RULES = [STU_01, STU_02, JOIN_01, SCHOOL_01, ALLOC_01, OUT_01]


def consistent() -> QaContext:
    """M1 global (10 seats left), M2 bound to school 1112; 3 allocated, 1 capacity-full."""
    pool = [make_pool_mentor("M1"), make_pool_mentor("M2", capacity=12, covered=10)]
    rows = [make_matrix_row("M1"), make_matrix_row("M2", school=1112)]
    students = [make_student(0), make_student(1, school=1112), make_student(2, school=1112),
                make_student(3, group=5)]
    decisions = [make_decision(0, "M1"), make_decision(1, "M2", is_school_row=True, alias="M2"),
                 make_decision(2, "M1"), make_decision(3, failure=FailureClass.CAPACITY_FULL)]
    return QaContext(students, decisions, make_matrix(pool, rows), {"M1": 2, "M2": 1},
                     sheets=dict(SABT_SHEETS), expected_sheets=dict(SABT_SHEETS),
                     sabt_rows_count=3, occupancy_per_mentor={"M1": 0.2, "M2": 0.5})


def failing(report, rule_id):
    return [r.rule_id for r in report.rules if not r.passed] == [rule_id]


def test_consistent_run_passes_every_rule():
    report = run_all_invariants(consistent())
    assert report.status is QaStatus.PASSED_QA
    assert [r.rule_id for r in report.rules] == ALL_RULES
    assert all(r.passed and not r.violations for r in report.rules)
    assert all(r.description_fa for r in report.rules)


def test_pre_qa_passes_on_a_clean_matrix():
    report = run_pre_qa(consistent().matrix)
    assert report.status is QaStatus.PASSED_QA
    assert [r.rule_id for r in report.rules] == [JOIN_01, SCHOOL_01]


@pytest.mark.parametrize("change", [
    lambda c: dataclasses.replace(c, decisions=c.decisions[:-1]),               # one missing
    lambda c: dataclasses.replace(c, decisions=[*c.decisions, c.decisions[0]]),  # one twice
    lambda c: dataclasses.replace(c, sabt_rows_count=2),                        # Sabt ≠ allocated
    lambda c: dataclasses.replace(c, decisions=[                       # another student's id
        c.decisions[0]._replace(national_id=c.students[1].national_id), *c.decisions[1:]]),
])
def test_stu_01_fails(change):
    report = run_all_invariants(change(consistent()))
    assert report.status is QaStatus.FAILED_QA
    assert not report.rule(STU_01).passed


def test_stu_01_holds_for_every_student_decided_once_in_any_order():
    ctx = consistent()
    shuffled = [ctx.decisions[i] for i in (2, 0, 3, 1)]
    report = run_all_invariants(dataclasses.replace(ctx, decisions=shuffled))
    assert report.status is QaStatus.PASSED_QA
    moved = [*shuffled[:3], shuffled[3]._replace(national_id=ctx.students[0].national_id)]
    report = run_all_invariants(dataclasses.replace(ctx, decisions=moved))
    assert failing(report, STU_01)
    [v] = report.rule(STU_01).violations
    assert v.detail_en == "decision national id differs from student 1"


def test_stu_02_fails_when_summary_count_differs():
    ctx = dataclasses.replace(consistent(), allocations_per_mentor={"M1": 3, "M2": 1})
    report = run_all_invariants(ctx)
    assert failing(report, STU_02) and report.status is QaStatus.FAILED_QA
    [v] = report.rule(STU_02).violations
    assert v.subject == "M1" and "3" in v.detail_en


@pytest.mark.parametrize("value", [None, True, "1"])   # a bool is not a key either
def test_join_01_fails_on_a_null_matrix_key_before_allocation(value):
    ctx = consistent()
    bad = ctx.matrix.rows[0]._replace(gender=value)
    matrix = dataclasses.replace(ctx.matrix, rows=(bad, *ctx.matrix.rows[1:]))
    assert run_pre_qa(matrix).status is QaStatus.FAILED_PRE_QA
    report = run_all_invariants(dataclasses.replace(ctx, matrix=matrix))
    assert report.status is QaStatus.FAILED_PRE_QA
    assert not report.rule(JOIN_01).passed


def test_the_callers_pre_qa_report_of_this_very_matrix_is_used_not_repeated(monkeypatch):
    """A run checks its matrix before allocating (issue P: QA checked it again, 0.2 s at 100k);
    its report stands for that matrix only, so a context with another matrix is checked anew."""
    import smartalloc.domain.qa as qa

    ctx = consistent()
    bad = ctx.matrix.rows[0]._replace(gender=None)
    broken = dataclasses.replace(ctx.matrix, rows=(bad, *ctx.matrix.rows[1:]))
    calls, check = [], qa.run_pre_qa
    monkeypatch.setattr(qa, "run_pre_qa", lambda matrix: calls.append(matrix) or check(matrix))
    pre = check(broken)
    report = run_all_invariants(dataclasses.replace(ctx, matrix=broken, pre_qa=(broken, pre)))
    assert calls == [] and report.status is QaStatus.FAILED_PRE_QA
    assert report.rule(JOIN_01).violations == pre.rule(JOIN_01).violations
    # the clean matrix with the broken matrix's report: checked anew, and clean
    report = run_all_invariants(dataclasses.replace(ctx, pre_qa=(broken, pre)))
    assert calls == [ctx.matrix] and report.status is QaStatus.PASSED_QA


def test_join_01_fails_on_an_allocated_student_with_a_non_int_key():
    ctx = consistent()
    students = list(ctx.students)
    students[0] = dataclasses.replace(students[0], center="0")
    report = run_all_invariants(dataclasses.replace(ctx, students=students))
    assert report.status is QaStatus.FAILED_QA
    assert not report.rule(JOIN_01).passed


def test_school_01_fails_on_a_global_row_with_a_school_code():
    ctx = consistent()
    bad = ctx.matrix.rows[0]._replace(school=1112)
    matrix = dataclasses.replace(ctx.matrix, rows=(bad, *ctx.matrix.rows[1:]))
    assert run_pre_qa(matrix).status is QaStatus.FAILED_PRE_QA
    assert not run_all_invariants(dataclasses.replace(ctx, matrix=matrix)).rule(SCHOOL_01).passed


def test_school_01_fails_when_an_empty_token_is_a_school_diagnostic():
    ctx = consistent()
    side = SideRow("M1", "mentor M1", "manager", "0", "نام مدرسه ناشناخته")
    for field in ("unmatched_schools", "invalid_mentors"):
        matrix = dataclasses.replace(ctx.matrix, **{field: (side,)})
        report = run_pre_qa(matrix)
        assert report.status is QaStatus.FAILED_PRE_QA, field
    other = SideRow("M1", "mentor M1", "manager", "", "کد کارمندی تکراری")
    assert run_pre_qa(dataclasses.replace(ctx.matrix, invalid_mentors=(other,))).status is (
        QaStatus.PASSED_QA)


def test_school_01_fails_when_a_student_gets_another_schools_row():
    ctx = consistent()
    students = list(ctx.students)
    students[1] = dataclasses.replace(students[1], school=2000)   # M2 only serves 1112
    report = run_all_invariants(dataclasses.replace(ctx, students=students))
    assert failing(report, SCHOOL_01) and report.status is QaStatus.FAILED_QA


def test_alloc_01_fails_when_a_mentor_gets_more_than_remaining_at_start():
    ctx = consistent()
    pool = (ctx.matrix.pool[0], dataclasses.replace(ctx.matrix.pool[1], covered=12))  # 0 left
    ctx = dataclasses.replace(ctx, matrix=dataclasses.replace(ctx.matrix, pool=pool),
                              occupancy_per_mentor={})
    report = run_all_invariants(ctx)
    assert failing(report, ALLOC_01)
    assert {v.subject for v in report.rule(ALLOC_01).violations} == {"M2"}


def test_alloc_01_fails_on_a_wrong_reported_occupancy_ratio():
    ctx = dataclasses.replace(consistent(), occupancy_per_mentor={"M1": 2 / 60, "M2": 0.5})
    assert failing(run_all_invariants(ctx), ALLOC_01)


def test_alloc_01_fails_on_a_mentor_outside_the_pool():
    ctx = consistent()
    decisions = list(ctx.decisions)
    decisions[0] = decisions[0]._replace(mentor_id="GHOST")
    ctx = dataclasses.replace(ctx, decisions=decisions,
                              allocations_per_mentor={"M1": 1, "M2": 1, "GHOST": 1},
                              occupancy_per_mentor={})
    report = run_all_invariants(ctx)
    assert not report.rule(ALLOC_01).passed


@pytest.mark.parametrize("sheets", [
    {k: v for k, v in SABT_SHEETS.items() if k != "Errors"},                    # sheet missing
    {**SABT_SHEETS, "Sheet2": (SABT_SHEETS["Sheet2"][1], SABT_SHEETS["Sheet2"][0],
                               *SABT_SHEETS["Sheet2"][2:])},                     # order swapped
    {**SABT_SHEETS, "Sheet2": SABT_SHEETS["Sheet2"][:-1]},                      # column missing
])
def test_out_01_fails_on_a_missing_sheet_or_wrong_header(sheets):
    report = run_all_invariants(dataclasses.replace(consistent(), sheets=sheets))
    assert failing(report, OUT_01) and report.status is QaStatus.FAILED_QA
    assert len(report.violations) == 1
