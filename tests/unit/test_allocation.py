"""The allocation engine: capacity, ranking, natural order, trace and failure classes."""

from __future__ import annotations

from smartalloc.domain.batch import allocate_batch
from smartalloc.domain.decision import FailureClass, Outcome
from smartalloc.domain.records import HistoryEntry, RosterEntry

from .alloc_fixtures import default_policy, matrix_of, mentor, national_id, rows_for, student


def test_natural_mentor_id_breaks_ties_2_before_10_before_102():
    pool = [mentor(i, capacity=60, covered=50) for i in ("102", "10", "2")]
    matrix = matrix_of(pool, [r for m in pool for r in rows_for(m)])
    result = allocate_batch([student(0)], matrix, default_policy())
    d = result.decisions[0]
    assert d.mentor_id == "2"
    assert d.runner_up_id == "10"
    assert d.decided_by == "min_mentor_id"


def test_occupancy_ratio_spreads_students_and_capacity_is_respected():
    pool = [mentor("1", covered=58), mentor("2", covered=50)]  # 2 and 10 seats
    matrix = matrix_of(pool, [r for m in pool for r in rows_for(m)])
    students = [student(i) for i in range(15)]
    result = allocate_batch(students, matrix, default_policy())
    assert result.allocations == {"1": 2, "2": 10}
    failed = [d for d in result.decisions if d.outcome is Outcome.FAILED]
    assert [d.failure for d in failed] == [FailureClass.CAPACITY_FULL] * 3
    assert failed[0].stage_counts[-1] == 0 and failed[0].stage_counts[-2] == 2
    # ratio order: first student goes to 1 (0/2 == 0/10, id 1 < 2), then 2 (0/10 < 1/2) ...
    assert [d.mentor_id for d in result.decisions[:3]] == ["1", "2", "2"]


def test_no_match_names_the_first_stage_that_emptied_the_set():
    pool = [mentor("1", gender=0)]
    matrix = matrix_of(pool, rows_for(pool[0]))
    d = allocate_batch([student(0, gender=1)], matrix, default_policy()).decisions[0]
    assert d.failure is FailureClass.ELIGIBILITY_NO_MATCH
    assert d.stage_counts[:3] == (1, 1, 0)
    assert "جنسیت" in d.reason_fa


def test_school_student_sees_global_rows_and_rows_of_its_school_only():
    g, s, other = mentor("1"), mentor("2"), mentor("3")
    rows = rows_for(g) + rows_for(s, statuses=(1,), schools=(1112,)) + rows_for(other, statuses=(1,), schools=(99,))
    matrix = matrix_of([g, s, other], rows)
    students = [student(i, school=1112) for i in range(3)]
    ids = {d.mentor_id for d in allocate_batch(students, matrix, default_policy()).decisions}
    assert ids == {"1", "2"}
    d = allocate_batch([student(0, school=1112)], matrix, default_policy()).decisions[0]
    assert d.channel == "SCHOOL"


def test_dedupe_invalid_id_and_history_and_code_reuse():
    pool = [mentor("1", covered=0)]
    matrix = matrix_of(pool, rows_for(pool[0]))
    same = national_id(7)
    students = [student(0, nid=same), student(1, nid=same), student(2, nid="1234567890"),
                student(3), student(4)]
    history = [HistoryEntry(national_id(3), "1", "543570001", (3, 1, 1, 0, 0, 0), "GENERIC",
                            "1404-08-01", "run-0", "p")]
    roster = [RosterEntry("543570009", national_id(4))]
    result = allocate_batch(students, matrix, default_policy(), history=history, roster=roster)
    d = result.decisions
    assert d[0].outcome is Outcome.ALLOCATED and d[0].code == "543570010"
    assert d[1].failure is FailureClass.DUPLICATE and not d[1].allocated_before
    assert d[2].failure is FailureClass.DATA_MISSING
    assert d[3].failure is FailureClass.DUPLICATE and d[3].allocated_before
    assert d[4].code == "543570009" and d[4].code_reused


def test_girls_get_373_and_sequence_continues_after_history():
    pool = [mentor("1", gender=0, covered=0)]
    matrix = matrix_of(pool, rows_for(pool[0]))
    history = [HistoryEntry(national_id(90), "1", "543730041", (3, 0, 1, 0, 0, 0), "GENERIC",
                            "", "r", "p")]
    d = allocate_batch([student(0, gender=0)], matrix, default_policy(), history=history).decisions
    assert d[0].code == "543730042"
