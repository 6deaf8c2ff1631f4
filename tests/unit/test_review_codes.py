"""A code review issues is never one the agency already gave out (issue K): the roster and the
codes typed in the student report are known outside the database, whose counter counts only
the codes SmartAlloc issued — so a code of the year above the counter head, known only from
those files, must not be issued again by review."""

from __future__ import annotations

from smartalloc.domain.review import CodeFamily
from tests.unit.test_review import _act, _store


def test_review_issues_above_the_codes_the_files_know():
    known = ["053570500", "053570499", "053730900", "043579999", "05357abcd", "0535700001"]
    codes = CodeFamily.of_codes(5, {0: "373", 1: "357"}, 4, known)
    assert (codes.floor(1), codes.floor(0)) == (500, 900)
    store = _store()
    store.last_sequence = 3                               # SmartAlloc issued up to 0003
    change = _act(store, "0000000001", "assign", "10", codes=codes)
    assert change.code == "053570501"
    assert _act(store, "0000000002", "assign", "20", codes=codes).code == "053570502"


def test_without_known_codes_the_counter_decides():
    store = _store()
    store.last_sequence = 7
    assert _act(store, "0000000001", "assign", "10").code == "053570008"
