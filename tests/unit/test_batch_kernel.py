"""The compiled hot loops (``batch_kernel.pyx``) answer exactly as their Python references:
the engine's picks and the decisions built from them, dedupe with the national-id checksum,
and triage."""

from __future__ import annotations

import random
from dataclasses import replace

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from smartalloc.domain import dedupe as dedupe_module
from smartalloc.domain.allocation import AllocationEngine
from smartalloc.domain.batch import UsableKeys, allocate_batch, triage
from smartalloc.domain.compiled import kernel
from smartalloc.domain.counters import CounterBook
from smartalloc.domain.dedupe import Verdict, dedupe
from smartalloc.domain.errors import CounterError
from smartalloc.domain.national_id import is_valid_national_id
from smartalloc.domain.records import HistoryEntry, RosterEntry

from .alloc_fixtures import default_policy, matrix_of, mentor, national_id, rows_for, student

POLICY = default_policy()
GROUPS = [1, 3, 5, 22, 25]


def test_the_kernel_is_built():
    assert kernel is not None, "batch_kernel is not compiled: run `make env`"


def test_the_kernel_writes_the_decision_fields_there_are():
    """The kernel fills a Decision slot by slot; it refuses a Decision whose fields moved."""
    from smartalloc.domain.decision import Decision

    assert Decision._fields == kernel.DECISION_FIELDS


def both_ways(students, matrix, already=None, roster=()):
    """(compiled, Python) batch results on the same inputs."""
    compiled = AllocationEngine(matrix, POLICY, already)
    assert compiled.compiled
    python = AllocationEngine(matrix, POLICY, already)
    python.compiled = False
    return (allocate_batch(students, matrix, POLICY, engine=compiled, already=already,
                           roster=roster),
            allocate_batch(students, matrix, POLICY, engine=python, already=already,
                           roster=roster))


def code_of(seq: int, gender: int, year_offset: int = 0) -> str:
    """A registration code of this academic year (``year_offset`` years earlier)."""
    book = CounterBook(POLICY, POLICY.academic_year - year_offset, [])
    return f"{book.yy:02d}{book.mids[gender]}{seq:0{book.digits}d}"


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
@given(st.lists(mentor_spec, min_size=1, max_size=30), st.lists(student_spec, max_size=120),
       st.lists(st.tuples(st.integers(0, 119), st.integers(1, 60), st.integers(0, 1),
                          st.integers(0, 1)), max_size=20))
def test_compiled_and_python_engines_decide_alike(mentor_specs, student_specs, returning):
    pool, rows, already = pool_of(mentor_specs)
    students = [student(i, group=g, gender=x, status=s, center=c, finance=f, school=sc)
                for i, (g, x, s, c, f, sc) in enumerate(student_specs)]
    # Returning students' codes: this year's (kept when the gender matches) or last year's.
    codes = {code_of(seq, gender, earlier): national_id(i)
             for i, seq, gender, earlier in returning}   # a code held twice stops the run
    roster = [RosterEntry(code, nid) for code, nid in codes.items()]
    compiled, python = both_ways(students, matrix_of(pool, rows), already, roster)
    assert compiled.decisions == python.decisions
    assert compiled.allocations == python.allocations


@pytest.mark.parametrize(("preflight", "code"), [(True, "COUNTER_HEADROOM"),
                                                 (False, "COUNTER_EXHAUSTED")])
def test_both_stop_at_an_exhausted_sequence(preflight, code, monkeypatch):
    """The pre-flight stops first; past it (were it wrong) both paths still never wrap."""
    if not preflight:
        monkeypatch.setattr(CounterBook, "check_headroom", lambda *args: None)
    m = mentor("1", capacity=10, covered=0)
    students = [student(i) for i in range(3)]
    last = 10 ** CounterBook(POLICY, POLICY.academic_year, []).digits - 2
    for compiled in (True, False):
        engine = AllocationEngine(matrix_of([m], rows_for(m)), POLICY)
        engine.compiled = compiled
        with pytest.raises(CounterError) as stopped:
            allocate_batch(students, matrix_of([m], rows_for(m)), POLICY, engine=engine,
                           roster=[RosterEntry(code_of(last, 1), national_id(900))])
        assert [p.code for p in stopped.value.problems] == [code]


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


def compiled_and_reference_dedupe(students, history=None, skip=True):
    """(compiled, Python) ``dedupe`` of the same students."""
    compiled = dedupe(students, history or {}, skip_previously_allocated=skip)
    reference_kernel, dedupe_module.kernel = dedupe_module.kernel, None
    try:
        reference = dedupe(students, history or {}, skip_previously_allocated=skip)
    finally:
        dedupe_module.kernel = reference_kernel
    return compiled, reference


@given(st.lists(national_ids, max_size=60))
def test_the_compiled_checksum_equals_the_reference(ids):
    students = [replace(student(i), national_id=nid) for i, nid in enumerate(ids)]
    compiled, reference = compiled_and_reference_dedupe(students)
    assert [r.verdict is Verdict.INVALID_ID for r in compiled] \
        == [not is_valid_national_id(x) for x in ids]
    assert compiled == reference


PERSIAN = str.maketrans("0123456789", "۰۱۲۳۴۵۶۷۸۹")


@given(st.lists(st.tuples(st.sampled_from([national_id(n) for n in range(6)]
                                          + [national_id(1).translate(PERSIAN),  # not ASCII
                                             "12345", "0000000000", ""]),
                          st.integers(0, 5)), max_size=40),
       st.sets(st.integers(0, 5), max_size=3), st.booleans())
def test_compiled_dedupe_equals_the_reference(rows, allocated_before, skip):
    students = [student(i, nid=nid) for i, (nid, _) in enumerate(rows)]
    history = {national_id(n): HistoryEntry(national_id(n), f"M{n}", "", (3, 1, 1, 0, 0, 0),
                                            "generic", "", "run-1", "")
               for n in allocated_before}
    compiled, reference = compiled_and_reference_dedupe(students, history, skip)
    assert compiled == reference


@given(st.lists(st.tuples(student_spec, st.booleans(), st.booleans()), max_size=60))
def test_compiled_triage_equals_the_reference(specs):
    students = [student(i, group=None if missing else g, gender=x, status=s, center=c,
                        finance=f, school=sc)
                for i, ((g, x, s, c, f, sc), missing, _) in enumerate(specs)]
    verdicts = [dedupe_module.DedupeResult(Verdict.NEW if new else Verdict.INVALID_ID, "")
                for _, _, new in specs]
    assert (kernel.triage(students, verdicts, UsableKeys(POLICY), Verdict.NEW)
            == triage(students, verdicts, UsableKeys(POLICY), Verdict.NEW))
