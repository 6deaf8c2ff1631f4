"""Flags (issue K) on the fake review store: an operator's note for the review list,
audited like any action, that changes no allocation, seat or code and sends no event; a
second flag, or clearing no flag, is refused in both languages."""

from __future__ import annotations

import pytest

from smartalloc.domain.errors import InputError, NotFoundError
from smartalloc.domain.review import ReviewAction, ReviewRefused, ReviewRequest
from smartalloc.service_layer.review import ReviewStudent, flag
from tests.unit.test_review import AT, _act, _store


def test_a_flag_is_an_audited_note_that_changes_nothing_else():
    store = _store()
    code = _act(store, "0000000001", "assign", "10").code
    events = list(store.outbox)
    flagged = _act(store, "0000000001", "flag", reason="ولی تماس گرفت")
    assert (flagged.action, flagged.from_mentor, flagged.to_mentor) == (ReviewAction.FLAG, "", "")
    assert flagged.code == code and flagged.run_id == "run-1" and not flagged.exception
    assert store.holdings["0000000001"].mentor_id == "10" and store.outbox == events
    assert store.last_sequence == 1 and store.audit[-1] == flagged
    unflagged = flag(ReviewRequest("0000000001", ReviewAction.UNFLAG, "", "رسیدگی شد", "op", AT),
                     store)
    assert unflagged.action is ReviewAction.UNFLAG and store.outbox == events


def test_flagging_twice_or_clearing_no_flag_is_refused_and_writes_nothing():
    store = _store()
    with pytest.raises(ReviewRefused) as err:
        _act(store, "0000000002", "unflag")
    assert err.value.problems[0].code == "REVIEW_NOT_FLAGGED" and store.audit == []
    _act(store, "0000000002", "flag")
    with pytest.raises(ReviewRefused) as err:
        _act(store, "0000000002", "flag")
    problem = err.value.problems[0]
    assert problem.code == "REVIEW_ALREADY_FLAGGED" and len(store.audit) == 1
    assert problem.message_fa and problem.message_en and "0000000002" not in str(problem)
    _act(store, "0000000002", "unflag")
    _act(store, "0000000002", "flag")                     # flagged again after a clear
    with pytest.raises(InputError):
        _act(store, "0000000002", "unflag", reason=" ")
    with pytest.raises(NotFoundError):
        _act(store, "9999999999", "flag")


def test_a_flag_row_is_not_the_code_a_released_student_gets_back():
    """release (code kept) → flag (no holding: code "") → assign: the student's own code."""
    store = _store()
    code = _act(store, "0000000001", "assign", "10").code
    _act(store, "0000000001", "release")
    assert _act(store, "0000000001", "flag").code == ""
    assert _act(store, "0000000001", "assign", "20").code == code and store.last_sequence == 1


def test_a_student_with_unreadable_data_may_still_be_flagged():
    store = _store()
    store.students["0000000001"] = ReviewStudent("0000000001", (27, 1, None, 0, 0, 0), 1, "r")
    assert _act(store, "0000000001", "flag").run_id == "r"


def test_flag_refuses_an_allocation_action():
    with pytest.raises(ValueError):
        flag(ReviewRequest("0000000001", ReviewAction.ASSIGN, "10", "x", "op", AT), _store())
