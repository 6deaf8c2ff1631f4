"""Properties of the allocation that must hold for any pool and any batch of students."""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import replace

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from smartalloc.domain.batch import allocate_batch
from smartalloc.domain.candidates import CandidateIndex
from smartalloc.domain.decision import Outcome

from .alloc_fixtures import default_policy, matrix_of, mentor, rows_for, student

POLICY = default_policy()
CODE = re.compile(r"^\d{2}(357|373)\d{4}$")

mentor_spec = st.tuples(
    st.integers(1, 400),                 # id
    st.integers(0, 1),                   # gender
    st.integers(0, 2),                   # centre
    st.integers(0, 12),                  # capacity
    st.integers(0, 12),                  # covered
    st.sets(st.sampled_from([1, 3, 5, 22, 25]), min_size=1, max_size=3),
    st.sampled_from([0, 0, 1112, 286]),  # bound school (0 = normal mentor)
)
student_spec = st.tuples(st.sampled_from([1, 3, 5, 22, 25, 27]), st.integers(0, 1),
                         st.integers(0, 1), st.integers(0, 2), st.sampled_from([0, 1, 3]),
                         st.sampled_from([0, 1112, 286, 55]))


def build(specs):
    pool, rows, seen = [], [], set()
    for mid, gender, center, cap, cov, groups, school in specs:
        if str(mid) in seen:
            continue
        seen.add(str(mid))
        m = mentor(str(mid), capacity=cap, covered=cov, gender=gender, center=center)
        pool.append(m)
        if school:
            rows += rows_for(m, groups=sorted(groups), statuses=(1,), schools=(school,))
        else:
            rows += rows_for(m, groups=sorted(groups), alias=str(1000 + mid))
    return pool, rows


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(mentor_spec, min_size=1, max_size=25), st.lists(student_spec, max_size=80),
       st.randoms(use_true_random=False))
def test_allocation_invariants(mentor_specs, student_specs, rnd):
    pool, rows = build(mentor_specs)
    students = [student(i, group=g, gender=x, status=s, center=c, finance=f, school=sc)
                for i, (g, x, s, c, f, sc) in enumerate(student_specs)]
    result = allocate_batch(students, matrix_of(pool, rows), POLICY)

    # exactly one decision per student, in order
    assert [d.index for d in result.decisions] == list(range(len(students)))
    # nobody over remaining_at_start
    per_mentor = Counter(d.mentor_id for d in result.decisions if d.outcome is Outcome.ALLOCATED)
    for m in pool:
        assert per_mentor[m.mentor_id] <= m.remaining_at_start
        assert result.allocations[m.mentor_id] == per_mentor[m.mentor_id]
    # codes: pattern, unique, gender-consistent
    codes = [(d.code, students[d.index].gender) for d in result.decisions
             if d.outcome is Outcome.ALLOCATED]
    assert len({c for c, _ in codes}) == len(codes)
    for code, gender in codes:
        assert CODE.match(code)
        assert code[2:5] == ("357" if gender == 1 else "373")
    # an allocated student's mentor really has a row for the student's keys
    keyset = {(r.mentor_id, r.keys) for r in rows}
    for d in result.decisions:
        if d.outcome is Outcome.ALLOCATED:
            k = students[d.index].keys
            assert (d.mentor_id, k) in keyset or (d.mentor_id, k[:5] + (0,)) in keyset

    # deterministic, and the order of the mentor rows does not matter
    again = allocate_batch(students, matrix_of(pool, rows), POLICY)
    assert again.decisions == result.decisions
    shuffled_pool, shuffled_rows = pool[:], rows[:]
    rnd.shuffle(shuffled_pool)
    rnd.shuffle(shuffled_rows)
    assert allocate_batch(students, matrix_of(shuffled_pool, shuffled_rows), POLICY).decisions \
        == result.decisions


@settings(max_examples=30, deadline=None)
@given(st.lists(mentor_spec, min_size=1, max_size=15), st.lists(student_spec, max_size=40))
def test_failures_are_classified_consistently(mentor_specs, student_specs):
    pool, rows = build(mentor_specs)
    students = [student(i, group=g, gender=x, status=s, center=c, finance=f, school=sc)
                for i, (g, x, s, c, f, sc) in enumerate(student_specs)]
    for d in allocate_batch(students, matrix_of(pool, rows), POLICY).decisions:
        assert len(d.stage_counts) == 8
        assert all(a >= b for a, b in zip((d.pool_size, *d.stage_counts), d.stage_counts, strict=False))
        if d.outcome is Outcome.ALLOCATED:
            assert d.stage_counts[-1] >= 1
        elif d.failure == "CAPACITY_FULL":
            assert d.stage_counts[-2] >= 1 and d.stage_counts[-1] == 0
        else:
            assert d.failure == "ELIGIBILITY_NO_MATCH" and d.stage_counts[-2] == 0


@settings(max_examples=40, deadline=None)
@given(st.lists(mentor_spec, min_size=1, max_size=20), st.lists(student_spec, min_size=1, max_size=20))
def test_funnel_agrees_with_the_matrix_rows(mentor_specs, student_specs):
    """The set-based 8-stage counts end exactly at the candidates the rows give."""
    pool, rows = build(mentor_specs)
    index = CandidateIndex(matrix_of(pool, rows), POLICY)
    for g, x, s, c, f, sc in student_specs:
        keys = (g, x, s, c, f, sc)
        assert index.combination(keys).counts[-1] == len(index.candidates(keys))


CHANNEL_RULES = [{"channel": "SCHOOL", "school_codes": [77]},
                 {"channel": "SCHOOL", "school_bound": True},
                 {"channel": "GOLESTAN", "centers": [1]}]
SCHOOLS = [0, 1112, 286, 55, 56, 77, 91]   # 55, 56: no rows or rules; 77: a channel rule
LIMITS = [1112, 286, 77, 91]                # schools a restricted mentor may be limited to


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(mentor_spec, min_size=1, max_size=20),
       st.lists(st.tuples(st.integers(0, 19), st.sets(st.sampled_from(LIMITS), max_size=2)),
                max_size=4),
       st.lists(student_spec.map(lambda k: k[:5]), min_size=1, max_size=20))
def test_schools_without_rows_or_rules_share_one_candidate_class(
        mentor_specs, restricted, prefixes):
    """What the engine keeps per candidate class — candidates, aliases, stage counts, channel
    — is what the student's own keys give, for every school (restricted mentors included)."""
    policy = default_policy(channels={"rules": CHANNEL_RULES, "default": "GENERIC"})
    pool, rows = build(mentor_specs)
    limits = {i % len(pool): tuple(sorted(schools)) for i, schools in restricted}
    pool = [replace(m, allowed_schools=limits.get(i, ())) for i, m in enumerate(pool)]
    index = CandidateIndex(matrix_of(pool, rows), policy)
    for prefix in prefixes:
        for school in SCHOOLS:
            keys = (*prefix, school)
            kind = index.candidate_class(keys)
            assert kind[:5] == keys[:5]
            assert index.combination(kind) == index.combination(keys)
            assert index.channel(kind) == index.channel(keys)
            assert index.candidates(kind) == index.candidates(keys)
            assert index.funnel(kind) == index.funnel(keys)
    assert index.candidate_class((3, 1, 1, 0, 0, 55)) == index.candidate_class((3, 1, 1, 0, 0, 56))


def test_a_failure_names_the_students_own_school():
    m = mentor("1", capacity=1, covered=1)            # full: its students fail on capacity
    students = [student(0, school=55), student(1, school=56)]
    result = allocate_batch(students, matrix_of([m], rows_for(m)), POLICY)
    assert [d.failure for d in result.decisions] == ["CAPACITY_FULL"] * 2
    m2 = mentor("2", gender=0)                        # no row for boys: eligibility fails
    result = allocate_batch(students, matrix_of([m2], rows_for(m2)), POLICY)
    assert "55)" in result.decisions[0].reason_fa and "56)" in result.decisions[1].reason_fa
