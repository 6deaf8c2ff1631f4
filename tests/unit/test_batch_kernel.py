"""The compiled hot loops (``batch_kernel.pyx``) answer exactly as their Python references:
the engine's picks and the decisions built from them, and the national-id checksum."""

from __future__ import annotations

import random

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from smartalloc.domain.allocation import AllocationEngine
from smartalloc.domain.batch import allocate_batch
from smartalloc.domain.compiled import kernel
from smartalloc.domain.national_id import is_valid_national_id, valid_national_ids

from .alloc_fixtures import default_policy, matrix_of, mentor, national_id, rows_for, student

POLICY = default_policy()
GROUPS = [1, 3, 5, 22, 25]


def test_the_kernel_is_built():
    assert kernel is not None, "batch_kernel is not compiled: run `make env`"


def both_ways(students, matrix, already=None):
    """(compiled, Python) batch results on the same inputs."""
    compiled = AllocationEngine(matrix, POLICY, already)
    assert compiled.compiled
    python = AllocationEngine(matrix, POLICY, already)
    python.compiled = False
    return (allocate_batch(students, matrix, POLICY, engine=compiled, already=already),
            allocate_batch(students, matrix, POLICY, engine=python, already=already))


mentor_spec = st.tuples(
    st.integers(0, 12),                                   # capacity
    st.integers(0, 12),                                   # covered
    st.integers(0, 1),                                    # gender
    st.integers(0, 2),                                    # centre
    st.sets(st.sampled_from(GROUPS), min_size=1, max_size=3),
    st.sampled_from(["global", "global", "school", "both"]),
    st.sampled_from([1112, 286]),                         # the school of school rows
    st.integers(0, 3),                                    # seats given by earlier runs
)
student_spec = st.tuples(st.sampled_from([*GROUPS, 27]), st.integers(0, 1), st.integers(0, 1),
                         st.integers(0, 2), st.sampled_from([0, 1, 3]),
                         st.sampled_from([0, 1112, 286, 55]))


def pool_of(specs):
    pool, rows, already = [], [], {}
    for i, (cap, cov, gender, center, groups, kind, school, given_before) in enumerate(specs):
        m = mentor(str(i + 1), capacity=cap, covered=cov, gender=gender, center=center)
        pool.append(m)
        already[m.mentor_id] = given_before
        if kind in ("global", "both"):
            rows += rows_for(m, groups=sorted(groups), alias=str(1000 + i))
        if kind in ("school", "both"):
            rows += rows_for(m, groups=sorted(groups), statuses=(1,), schools=(school,))
    return pool, rows, already


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(mentor_spec, min_size=1, max_size=30), st.lists(student_spec, max_size=120))
def test_compiled_and_python_engines_decide_alike(mentor_specs, student_specs):
    pool, rows, already = pool_of(mentor_specs)
    students = [student(i, group=g, gender=x, status=s, center=c, finance=f, school=sc)
                for i, (g, x, s, c, f, sc) in enumerate(student_specs)]
    compiled, python = both_ways(students, matrix_of(pool, rows), already)
    assert compiled.decisions == python.decisions
    assert compiled.allocations == python.allocations


def test_a_large_shared_pool_is_decided_alike():
    """Many students over few, overlapping row groups: heaps refresh, fill up and empty."""
    rnd = random.Random(7)
    pool, rows = [], []
    for i in range(120):
        m = mentor(f"M{i}", capacity=rnd.randint(0, 40), covered=rnd.randint(0, 20),
                   gender=i % 2, center=i % 3)
        pool.append(m)
        groups = sorted(rnd.sample(GROUPS, rnd.randint(1, 3)))
        rows += rows_for(m, groups=groups, alias=str(2000 + i))
        if i % 4 == 0:
            rows += rows_for(m, groups=groups, statuses=(1,), schools=(1112,))
    students = [student(i, group=rnd.choice(GROUPS), gender=rnd.randint(0, 1), status=1,
                        center=rnd.randint(0, 2), finance=rnd.choice([0, 1, 3]),
                        school=rnd.choice([0, 1112, 55]))
                for i in range(3000)]
    compiled, python = both_ways(students, matrix_of(pool, rows))
    assert compiled.decisions == python.decisions
    allocated = sum(d.mentor_id != "" for d in compiled.decisions)
    assert 0 < allocated < len(students)  # some filled pools: both outcomes were exercised


def test_a_mentor_with_a_global_and_a_school_row_on_the_same_keys_is_one_candidate():
    """Equal global and school row groups are one group: seating its best mentor must not
    drop the next one."""
    a, b = mentor("1", capacity=3, covered=0), mentor("2", capacity=3, covered=0)
    rows = [*rows_for(a, alias="1001"), *rows_for(a, statuses=(1,), schools=(1112,)),
            *rows_for(b, alias="1002"), *rows_for(b, statuses=(1,), schools=(1112,))]
    students = [student(i, school=1112) for i in range(6)]
    compiled, python = both_ways(students, matrix_of([a, b], rows))
    assert compiled.decisions == python.decisions
    assert [d.mentor_id for d in python.decisions] == ["1", "2", "1", "2", "1", "2"]
    assert all(d.is_school_row for d in python.decisions)


national_ids = st.one_of(
    st.integers(0, 10**9 - 1).map(lambda n: national_id(n % 700_000_000)),   # valid
    st.text(alphabet="0123456789", min_size=0, max_size=12),                 # mostly invalid
    st.text(alphabet="0123456789۰۱۲۳۴۵۶۷۸۹٠١٢ a-", min_size=8, max_size=11),  # other digits
    st.sampled_from(["0000000000", "1111111111", "0012345679", ""]),
)


@given(st.lists(national_ids, max_size=60))
def test_batch_checksum_equals_the_reference(ids):
    assert valid_national_ids(ids) == [is_valid_national_id(x) for x in ids]
