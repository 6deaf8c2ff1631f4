"""Ranking rules (D6) other than the default, and the rule that decided."""

from __future__ import annotations

from smartalloc.domain.batch import allocate_batch
from smartalloc.domain.policy import RankingRule
from smartalloc.domain.ranking import MentorLoad, key_function

from .alloc_fixtures import default_policy, matrix_of, mentor, rows_for, student


def _winner(ranking, pool):
    matrix = matrix_of(pool, [r for m in pool for r in rows_for(m)])
    return allocate_batch([student(0)], matrix, default_policy(ranking=ranking)).decisions[0]


def test_load_ratio_prefers_the_emptier_mentor_relative_to_capacity():
    pool = [mentor("1", capacity=60, covered=30), mentor("2", capacity=250, covered=100)]
    # occupancy ratio is 0 for both (tie → id 1); load ratio 30/60 > 100/250 → mentor 2
    assert _winner(["min_occupancy_ratio", "min_allocations_new", "min_mentor_id"], pool).mentor_id == "1"
    d = _winner(["min_load_ratio", "min_mentor_id"], pool)
    assert (d.mentor_id, d.decided_by) == ("2", "min_load_ratio")


def test_max_remaining_capacity_prefers_the_mentor_with_most_seats():
    pool = [mentor("1", capacity=60, covered=55), mentor("2", capacity=60, covered=10)]
    d = _winner(["max_remaining_capacity"], pool)
    assert (d.mentor_id, d.decided_by) == ("2", "max_remaining_capacity")


def test_occupancy_ratio_then_allocations_new_order():
    load = MentorLoad([60, 60, 60], [50, 40, 50])     # 10, 20, 10 seats
    load.allocated[:] = [1, 2, 2]                     # ratios .1, .1, .2
    key = key_function([RankingRule.MIN_OCCUPANCY_RATIO, RankingRule.MIN_ALLOCATIONS_NEW,
                        RankingRule.MIN_MENTOR_ID], load)
    assert sorted(range(3), key=key) == [0, 1, 2]
    generic = key_function([RankingRule.MIN_ALLOCATIONS_NEW, RankingRule.MIN_OCCUPANCY_RATIO], load)
    assert sorted(range(3), key=generic) == [0, 1, 2] and generic(0) == (1, 0.1, 0)
