"""Coverage (A.2) on hand-made examples whose numbers are computed by hand in the comments."""

from __future__ import annotations

import pytest

from smartalloc.domain.coverage import compute_coverage, denominator, served, uncovered_groups
from smartalloc.domain.matrix import build_matrix
from smartalloc.domain.policy import CoveragePolicy
from smartalloc.domain.records import SchoolRecord

from .alloc_fixtures import default_policy
from .test_pool import mrec, report_of

# Six-key tuples: (group, gender, status, centre, finance, school)
A = (3, 1, 1, 0, 0, 0)
B = (3, 1, 0, 0, 0, 0)
C = (3, 1, 1, 0, 0, 101)
D = (5, 1, 1, 0, 0, 0)      # only a blocked mentor has it
E = (3, 1, 1, 0, 0, 202)    # student of school 202: served by the global row A (D4)
F = (7, 1, 1, 0, 0, 0)      # nobody serves it
MENTORS, BLOCKED, ROWS = {A, B, C}, {D, A}, {A, B, C}
STUDENTS = [A, E, F, D, A]  # duplicates count once


@pytest.mark.parametrize(("mode", "blocked", "covered", "total"), [
    ("mentors", False, 3, 3),                          # D = {A,B,C}
    ("mentors", True, 3, 4),                           # D = {A,B,C,D}
    ("mentors_students_intersection", False, 1, 1),    # {A,B,C} ∩ {A,E,F,D} = {A}
    ("mentors_students_intersection", True, 1, 2),     # {A,B,C,D} ∩ S = {A,D}; D unserved
    ("mentors_students_union", False, 4, 6),           # {A,B,C,E,F,D}; A,B,C,E served
    ("mentors_students_union", True, 4, 6),            # D already in S: same set
])
def test_each_denominator_mode_on_a_hand_made_example(mode, blocked, covered, total):
    policy = CoveragePolicy(denominator_mode=mode,
                            include_blocked_candidates_in_denominator=blocked)
    m = compute_coverage(MENTORS, BLOCKED, ROWS, STUDENTS, policy,
                         invalid_group_token_count=5, unmatched_school_count=2)
    assert (m.covered_groups, m.total_groups) == (covered, total)
    assert m.coverage_ratio == pytest.approx(covered / total)
    assert m.unseen_group_count == total - covered
    assert m.invalid_group_token_count == 5 and m.unmatched_school_count == 2  # never in D
    assert m.denominator_mode == mode and m.include_blocked_candidates_in_denominator is blocked


def test_empty_denominator_is_full_coverage():
    m = compute_coverage(set(), set(), set(), [], CoveragePolicy())
    assert (m.coverage_ratio, m.total_groups, m.unseen_group_count) == (1.0, 0, 0)


def test_served_uses_the_school_rule_d4():
    assert served(E, ROWS) and served(C, ROWS) and not served(F, ROWS)
    assert not served((3, 1, 0, 0, 0, 202), {C})       # a school row serves only its school
    union = CoveragePolicy(denominator_mode="mentors_students_union")
    assert uncovered_groups(MENTORS, BLOCKED, set(STUDENTS), ROWS, union) == [D, F]
    assert denominator(MENTORS, BLOCKED, set(STUDENTS), CoveragePolicy()) == MENTORS


def _policy(mode: str, blocked: bool):
    return default_policy(finance_variants=[0], coverage={
        "denominator_mode": mode, "include_blocked_candidates_in_denominator": blocked})


def _build(mode: str, blocked: bool):
    recs = [
        mrec("1", mtype="عادی", groups="3, xyz"),                       # A, B + a bad token
        mrec("2", mtype="مدرسه", schools=("101", "0", "0", "0"), groups="3,5"),
        mrec("3", mtype="عادی", groups="7", covered=60, capacity=60),   # R0 → blocked
    ]
    students = [A, E, (7, 1, 0, 0, 0, 0), (9, 1, 1, 0, 0, 0)]
    return build_matrix(report_of(*recs), [SchoolRecord(2, 101, "الف")], _policy(mode, blocked),
                        student_keys=students)


# Finance variants = [0] only.  M = {A, B, (3,1,1,0,0,101), (5,1,1,0,0,101)} (4 groups),
# B (blocked, mentor 3) = {(7,1,1,0,0,0), (7,1,0,0,0,0)},
# S = {A, E, (7,1,0,0,0,0), (9,1,1,0,0,0)}; rows serve M and E (via A).
@pytest.mark.parametrize(("mode", "blocked", "covered", "total"), [
    ("mentors", False, 4, 4),
    ("mentors", True, 4, 6),
    ("mentors_students_intersection", False, 1, 1),   # M ∩ S = {A}
    ("mentors_students_intersection", True, 1, 2),    # (M ∪ B) ∩ S = {A, (7,1,0,...)}
    ("mentors_students_union", False, 5, 7),          # 4 + 4 − 1 = 7; served: M + E
    ("mentors_students_union", True, 5, 8),           # 6 + 4 − 2 = 8
])
def test_modes_end_to_end_through_build_matrix(mode, blocked, covered, total):
    m = _build(mode, blocked)
    c = m.coverage
    assert (c.covered_groups, c.total_groups, c.unseen_group_count) == (covered, total,
                                                                        total - covered)
    assert c.invalid_group_token_count == 1 and c.unmatched_school_count == 0
    v = m.validation
    assert v["coverage_ratio"] == c.coverage_ratio == pytest.approx(covered / total)
    assert v["coverage_denominator_groups"] == total and v["unseen_group_count"] == total - covered
    assert v["invalid_group_token_count"] == 1


def test_mentor_dropped_by_governance_is_not_a_blocked_candidate():
    policy = default_policy(finance_variants=[0], mentor_pool_governance={
        "mentors": {"1": {"status": "frozen", "reason": "x"}}},
        coverage={"include_blocked_candidates_in_denominator": True})
    m = build_matrix(report_of(mrec("1", groups="7"), mrec("2", groups="3")), [], policy)
    assert (m.coverage.covered_groups, m.coverage.total_groups) == (2, 2)


def test_normal_side_without_alias_is_a_blocked_candidate():
    # postal_only: mentor 7 (postal 999) cannot produce its Normal rows → 2 blocked groups.
    recs = [mrec("7", postal="999", groups="3"), mrec("8", groups="5")]
    for blocked, expected in ((False, (2, 2)), (True, (2, 4))):
        policy = default_policy(finance_variants=[0], alias={"normal": "postal_only"}, coverage={
            "include_blocked_candidates_in_denominator": blocked})
        m = build_matrix(report_of(*recs), [], policy)
        assert (m.coverage.covered_groups, m.coverage.total_groups) == expected
