"""Issue J, Why 2: numbers that mean something — a why-not names the mentors' ids and their
occupancy in percent (not the engine's sort keys: the mentor's position, a raw float), a
six-key combination reads as words, a ratio as a percent."""

from __future__ import annotations

from smartalloc.domain.explain import RankedCandidate, _shown
from smartalloc.domain.key_words import describe_keys
from smartalloc.entrypoints.web.pages import percent


def _candidate(mentor_id: str, ratio: float, new: int, remaining: int, position: int):
    return RankedCandidate(1, mentor_id, "x", mentor_id, False, ratio, new, remaining, True,
                           (ratio, new, position))


def test_a_ranking_value_is_the_one_the_operator_knows():
    mentor = _candidate("75", 1 / 15, 2, 13, 61)      # the 62nd mentor in natural order
    assert _shown("min_mentor_id", mentor, 61) == "75"
    assert _shown("min_occupancy_ratio", mentor, 1 / 15) == "6.7%"
    assert _shown("min_allocations_new", mentor, 2) == "2"
    assert _shown("max_remaining_capacity", mentor, -13) == "13"


def test_six_keys_read_as_words():
    assert describe_keys((35, 1, 1, 2, 0, 143)) == "گروه 35، پسر، دانش‌آموز، صدرا، عادی، مدرسه 143"
    assert describe_keys((27, 0, 0, 1, 3, 0), "en") == \
        "group 27, girls, graduate, Golestan, Hekmat, any school"
    assert describe_keys((27, 9, 0, 1, 3, 0), "en").startswith("group 27, gender 9")


def test_a_ratio_is_a_percent():
    assert percent(0.06666666666666667, "fa") == "۶٫۷٪"
    assert percent(0.5, "en") == "50%"
