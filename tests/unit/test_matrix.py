"""The eligibility matrix (D3, D5, SSoT §16, C.7): rows, side sheets, order, determinism."""

from __future__ import annotations

import random

from hypothesis import given, settings
from hypothesis import strategies as st

from smartalloc.domain.matrix import build_matrix
from smartalloc.domain.normalize import natural_key
from smartalloc.domain.records import SchoolRecord

from .alloc_fixtures import default_policy
from .test_pool import GOLESTAN_MANAGER, mrec, report_of

POLICY = default_policy()
SCHOOLS = (SchoolRecord(2, 101, "دبیرستان الف", "پسرانه"),
           SchoolRecord(3, 102, "دبیرستان ب", "پسرانه"),
           SchoolRecord(4, 103, "دبیرستان امام", "پسرانه"),
           SchoolRecord(5, 104, "دبیرستان امام", "دخترانه"),
           SchoolRecord(6, 105, "هنرستان ج", "پسرانه"))
NO_SLOTS = ("0", "0", "0", "0")


def normal(mid, groups="3,5", **kw):
    return mrec(mid, mtype="عادی", groups=groups, **kw)


def school(mid, slots=("101", "102", "0", ""), groups="3,5", **kw):
    return mrec(mid, mtype="مدرسه", schools=slots, school_count=2, groups=groups, **kw)


def dual(mid, slots=("101", "102", "0", "0"), groups="3,5", **kw):
    return mrec(mid, mtype="عادی و مدرسه", schools=slots, school_count=2, groups=groups, **kw)


def matrix_of(*records, policy=POLICY, **kw):
    return build_matrix(report_of(*records), SCHOOLS, policy, **kw)


def test_ssot_16_normal_mentor_two_groups_six_rows_per_group():
    m = matrix_of(normal("1"))
    assert len(m.rows) == 12
    for g in (3, 5):
        rows = [r for r in m.rows if r.group == g]
        assert len(rows) == 6
        assert {(r.status, r.finance) for r in rows} == {(s, f) for s in (1, 0) for f in (0, 1, 3)}
        assert {r.school for r in rows} == {0} and {r.alias for r in rows} == {"1001"}
        assert not any(r.is_school_row for r in rows)


def test_ssot_16_school_mentor_two_schools_three_rows_per_school_and_group():
    m = matrix_of(school("2"))
    assert len(m.rows) == 12
    for g in (3, 5):
        for sc in (101, 102):
            rows = [r for r in m.rows if r.group == g and r.school == sc]
            assert len(rows) == 3 and {r.status for r in rows} == {1}
            assert {r.alias for r in rows} == {"2"} and all(r.is_school_row for r in rows)
    assert {r.school_name for r in m.rows} == {"دبیرستان الف", "دبیرستان ب"}
    assert m.unmatched_schools == () and m.invalid_mentors == ()   # "0" and "" never reported


def test_ssot_16_dual_mentor_is_the_sum():
    assert len(matrix_of(dual("3")).rows) == 12 + 12
    m = matrix_of(dual("3"))
    assert {r.alias for r in m.rows if r.school == 0} == {"1003"}
    assert {r.alias for r in m.rows if r.school} == {"3"}


def test_centre_gender_and_names_come_from_manager_policy_and_crosswalk_table():
    m = matrix_of(normal("1", manager=GOLESTAN_MANAGER, gender="دختر", groups="3"))
    assert {(r.center, r.gender, r.group_name) for r in m.rows} == {(1, 0, "دوازدهم تجربی")}
    assert {(r.covered, r.capacity) for r in m.rows} == {(10, 60)}


def test_out_of_range_postal_falls_back_to_mentor_id_and_is_recorded():
    m = matrix_of(normal("7", postal="999", groups="3"), normal("8", postal="12345", groups="3"))
    assert {r.alias for r in m.rows if r.mentor_id == "7"} == {"7"}
    assert {r.alias for r in m.rows if r.mentor_id == "8"} == {"8"}
    assert m.validation["alias_fallback_count"] == 2
    assert m.validation["alias_fallback_mentors"] == "7، 8"


def test_postal_only_policy_blocks_the_normal_side():
    policy = default_policy(alias={"normal": "postal_only"})
    m = matrix_of(normal("7", postal="999"), dual("8", postal="12345"), policy=policy)
    assert {r.mentor_id for r in m.rows} == {"8"} and all(r.is_school_row for r in m.rows)
    (bad,) = m.invalid_mentors
    assert bad.mentor_id == "7" and "کدپستی" in bad.reason_fa and bad.value == "999"
    assert [p.mentor_id for p in m.pool] == ["8"]
    d = next(d for d in m.pool_decisions if d.mentor_id == "7")
    assert d.status == "invalid" and not d.in_pool and d.source == "matrix"


def test_school_names_unique_ambiguous_unknown_code_and_empty_slots():
    m = matrix_of(
        school("1", slots=("دبیرستان الف", "دبیرستان امام", "999", "0")),
        school("2", slots=("", "0", "۰", "")),
        dual("3", slots=("888", "0", "", "0")),
    )
    assert {r.school for r in m.rows if r.mentor_id == "1"} == {101}
    unmatched = {(s.mentor_id, s.value): s for s in m.unmatched_schools}
    assert set(unmatched) == {("1", "دبیرستان امام"), ("1", "999"), ("3", "888")}
    assert dict(unmatched["1", "دبیرستان امام"].extra)["candidates"] == "103، 104"
    # a school-only mentor with no valid school left produces nothing and is invalid
    assert not any(r.mentor_id == "2" for r in m.rows)
    assert [s.mentor_id for s in m.invalid_mentors] == ["2"]
    # the dual mentor keeps only its valid (Normal) rows
    assert {r.school for r in m.rows if r.mentor_id == "3"} == {0}
    assert m.validation["unmatched_school_count"] == 3 == m.coverage.unmatched_school_count
    assert all(s.value not in ("", "0") for s in m.unmatched_schools)


def test_unknown_group_token_goes_to_unseen_and_the_build_continues():
    m = matrix_of(normal("1", groups="3, هنرستانی, 10"), normal("2", groups="ناشناخته"))
    assert {r.group for r in m.rows} == {3}
    assert [(s.mentor_id, s.value) for s in m.unseen_groups] == [
        ("1", "هنرستانی"), ("1", "10"), ("2", "ناشناخته")]
    assert m.coverage.invalid_group_token_count == 3 == m.validation["invalid_group_token_count"]
    assert [s.mentor_id for s in m.invalid_mentors] == ["2"]    # no valid group at all


def test_group_label_is_used_when_the_code_list_is_empty():
    m = matrix_of(normal("1", groups="", label="کل دبستان"))
    assert {r.group for r in m.rows} == {35, 41, 43, 45, 46}


def test_r0_frozen_and_override_removals_have_no_rows_and_are_reported():
    policy = default_policy(mentor_pool_governance={
        "mentors": {"4": {"status": "frozen", "reason": "منجمد"}}})
    m = matrix_of(normal("1", covered=60, capacity=60), normal("2", covered=61, capacity=60),
                  normal("3"), normal("4"), normal("5"), policy=policy,
                  overrides={"4": True, "5": False})
    assert {r.mentor_id for r in m.rows} == {"3"}
    assert [s.mentor_id for s in m.removed_mentors] == ["1", "2", "4", "5"]
    assert m.validation["removed_mentors"] == 4 and m.validation["r0_skipped"] == 0
    assert all(s.reason_fa for s in m.removed_mentors)


def test_r0_skipped_when_both_columns_are_absent():
    rep = report_of(normal("1", covered=None, capacity=None), covered_col=False, capacity_col=False)
    m = build_matrix(rep, SCHOOLS, POLICY)
    assert m.r0_skipped and m.validation["r0_skipped"] == 1 and len(m.rows) == 12


def test_restricted_mentor_enters_the_matrix_with_its_constraints():
    policy = default_policy(mentor_pool_governance={"mentors": {"2": {
        "status": "restricted", "reason": "یک مدرسه", "allowed_schools": [101]}}})
    m = matrix_of(school("2"), policy=policy)
    assert m.pool[0].allowed_schools == (101,) and len(m.rows) == 12


def test_sort_order_and_validation_counters():
    m = matrix_of(normal("10", manager=GOLESTAN_MANAGER), school("2"), normal("3"), dual("11"))
    keys = [(r.center, r.group, r.school, natural_key(r.alias), natural_key(r.mentor_id),
             -r.status, r.finance) for r in m.rows]
    assert keys == sorted(keys)
    v = m.validation
    assert v["total_rows"] == len(m.rows) == 12 + 12 + 12 + 24
    assert v["distinct_supporters"] == 4 and v["school_based_rows"] == 24
    assert v["finance_0_rows"] == v["finance_1_rows"] == v["finance_3_rows"] == 20
    assert v["coverage_ratio"] == 1.0 and v["unseen_group_count"] == 0
    distinct_keys = len({r.keys for r in m.rows})
    assert v["coverage_denominator_groups"] == m.coverage.total_groups == distinct_keys
    assert m.rows[0].center == 0 and m.rows[-1].center == 1


def test_exact_duplicates_are_dropped_same_school_twice():
    m = matrix_of(school("2", slots=("101", "دبیرستان الف", "101", "0"), groups="3,3"))
    assert len(m.rows) == 3


def _random_report(rng: random.Random, n: int):
    lists = ["3", "1,3,5,7:9", "27,31:35,41,43:46", "21:26,29:30", "1,3,5,7:26,29:30,53:93",
             "22,25"]
    recs = []
    for i in range(1, n + 1):
        kind = rng.choice(["عادی", "مدرسه", "عادی و مدرسه"])
        slots = (*(rng.choice(["101", "102", "103", "105", "0", ""]) for _ in range(2)), "0", "0")
        recs.append(mrec(str(i), mtype=kind, schools=slots if kind != "عادی" else NO_SLOTS,
                         groups=rng.choice(lists), gender=rng.choice(["دختر", "پسر"]),
                         covered=rng.randint(0, 70), capacity=rng.choice([60, 70, None]),
                         manager=rng.choice(["مدیر الف", GOLESTAN_MANAGER, "لیلا آسمانی‌فر"])))
    return recs


def test_row_count_formula_c7_on_a_generated_report():
    from smartalloc.domain.groups import parse_group_list
    rng = random.Random(7)
    recs = _random_report(rng, 60)
    m = matrix_of(*recs)
    kept = {p.mentor_id for p in m.pool}
    expected = 0
    for r in recs:
        if r.mentor_id not in kept:
            continue
        groups = len(parse_group_list(r.group_list, POLICY, None).codes)
        codes = {int(s) for s in r.school_slots if s not in ("", "0")}   # all exist
        normal_rows = 2 if r.mentor_type != "مدرسه" else 0
        expected += groups * (normal_rows + len(codes)) * 3
    assert len(m.rows) == expected and expected > 0
    assert not m.unmatched_schools and len(kept) > 30


@settings(max_examples=25, deadline=None)
@given(st.randoms(use_true_random=False))
def test_shuffling_the_mentor_records_does_not_change_the_matrix(rnd):
    recs = _random_report(random.Random(11), 25)
    base = matrix_of(*recs)
    shuffled = list(recs)
    rnd.shuffle(shuffled)
    other = matrix_of(*shuffled)
    assert other.rows == base.rows and other.pool == base.pool
    assert other.pool_decisions == base.pool_decisions and other.validation == base.validation
    assert other.removed_mentors == base.removed_mentors
    assert other.unmatched_schools == base.unmatched_schools
    assert other.invalid_mentors == base.invalid_mentors and other.coverage == base.coverage


def test_two_thousand_mentors_every_pool_mentor_has_rows():
    """Scale check (the timing lives in benchmarks/): a 2,000-mentor report builds, and every
    mentor that stays in the pool owns at least one matrix row."""
    rng = random.Random(3)
    m = build_matrix(report_of(*_random_report(rng, 2000)), SCHOOLS, POLICY)
    assert len(m.rows) > 50_000
    assert {r.mentor_id for r in m.rows} == {p.mentor_id for p in m.pool}
