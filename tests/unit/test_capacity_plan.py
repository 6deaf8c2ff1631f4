"""Capacity plan (D12) on a hand-computed example.

default_capacity = 10. Global mentors on keys K1 (group 3, boy, student, centre 0, finance 0):
  A cap 6 covered 4 (2 allocated → load 6, may grow to 10: 4 seats)
  B cap 8 covered 7 (1 allocated → load 8, may grow to 10: 2 seats)
  C cap 12 covered 11 (1 allocated → load 12, already ≥ default: 0 seats)
School mentor D bound to 1112: cap 10 covered 9 (1 allocated → load 10: 0 seats).
Unplaced: 12 × group 5 (no rows), 9 × K1 (full), 2 × K1 at school 1112 (full).
K1: seats go to the lowest load/ceiling: A .6, A .7, A .8 (tie with B .8, A first), B .8,
A .9 (tie, A first), B .9 → A +4, B +2 = 6 seats; 3 left → ceil(3/10) = 1 new mentor.
K1@1112 comes after (2 < 9): A and B are used up, C and D have none → 1 new mentor.
"""

from __future__ import annotations

from smartalloc.domain.capacity_plan import plan_capacity
from smartalloc.domain.decision import FailureClass
from smartalloc.domain.key_words import describe_keys

from .factories import (
    make_decision,
    make_matrix,
    make_matrix_row,
    make_policy,
    make_pool_mentor,
    make_student,
)

POLICY = make_policy(capacity={"default_capacity": 10, "default_covered": 0, "r0_enabled": True})
FULL, NO_MATCH = FailureClass.CAPACITY_FULL, FailureClass.ELIGIBILITY_NO_MATCH


def example():
    pool = [make_pool_mentor("A", capacity=6, covered=4), make_pool_mentor("B", capacity=8, covered=7),
            make_pool_mentor("C", capacity=12, covered=11),
            make_pool_mentor("D", capacity=10, covered=9)]
    rows = [make_matrix_row(m) for m in "ABC"] + [make_matrix_row("D", school=1112)]
    students, decisions = [], []

    def add(mentor=None, failure=None, **keys):
        i = len(students)
        students.append(make_student(i, **keys))
        decisions.append(make_decision(i, mentor or "", failure=failure))

    for m in "AABC":
        add(m)
    add("D", school=1112)
    for _ in range(12):
        add(failure=NO_MATCH, group=5)
    for _ in range(9):
        add(failure=FULL)
    for _ in range(2):
        add(failure=FULL, school=1112)
    add(failure=FailureClass.DATA_MISSING)       # not planned
    add(failure=FailureClass.DUPLICATE)          # not planned
    return students, decisions, make_matrix(pool, rows)


def test_plan_numbers():
    plan = plan_capacity(*example(), POLICY)
    assert [(r.keys, r.failure, r.students, r.seats_missing) for r in plan] == [
        ((5, 1, 1, 0, 0, 0), NO_MATCH, 12, 12),
        ((3, 1, 1, 0, 0, 0), FULL, 9, 9),
        ((3, 1, 1, 0, 0, 1112), FULL, 2, 2),
    ]
    no_match, k1, school = plan
    assert (no_match.full_mentors, no_match.seats_from_existing, no_match.new_mentors_needed) == (
        (), 0, 2)
    assert k1.full_mentors == ("A", "B", "C") and k1.extra_seats == (4, 2, 0)
    assert (k1.seats_from_existing, k1.new_mentors_needed, k1.new_mentor_capacity) == (6, 1, 10)
    assert school.full_mentors == ("A", "B", "C", "D") and school.extra_seats == (0, 0, 0, 0)
    assert school.new_mentors_needed == 1


def test_profiles():
    no_match, _, school = plan_capacity(*example(), POLICY)
    assert no_match.profile == "group=5 gender=1 status=1 center=0 finance=0 school=global"
    assert school.profile.endswith("school=1112")
    assert "سراسری" in no_match.profile_fa and "مدرسه 1112" in school.profile_fa
    # one way to say six keys: the workbook's plan says them as the pages do
    assert no_match.profile_fa == describe_keys(no_match.keys, "fa")
    assert "، عادی، " in no_match.profile_fa       # finance in words, not «مالی 0»


def test_nothing_to_plan_when_everyone_is_placed():
    students, decisions, matrix = example()
    assert plan_capacity(students[:5], decisions[:5], matrix, POLICY) == []


def test_exact_multiple_of_default_capacity():
    students, decisions, matrix = example()
    plan = plan_capacity(students[:15], decisions[:15], matrix, POLICY)   # 10 × group 5
    assert [(r.seats_missing, r.new_mentors_needed) for r in plan] == [(10, 1)]
