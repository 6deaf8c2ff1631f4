"""Manual review (issue K), the decision and the handler on a fake store: every action needs a
reason; assign/move only to an eligible, active mentor with a seat (an administrator's
exception aside); release keeps the code; and any sequence of actions keeps seats within
capacity, one allocation per student, codes unique, and the audit a true account of it."""

from __future__ import annotations

from collections import Counter
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from smartalloc.domain.errors import CounterError, InputError, NotFoundError
from smartalloc.domain.events import STUDENT_REASSIGNED, STUDENT_RELEASED
from smartalloc.domain.review import (
    MOVING,
    CodeFamily,
    Holding,
    ReviewAction,
    ReviewChange,
    ReviewRefused,
    ReviewRequest,
    Seats,
    decide,
)
from smartalloc.service_layer.review import ReviewStudent, carry_out

KEY = b"k" * 32
CODES = CodeFamily(5, {0: "373", 1: "357"}, 4)   # academic year 1355: «05» + mid + 4 digits
AT = "1405-09-15 10:00:00"


@dataclass
class FakeReviewStore:
    """The ``ReviewStore`` port in memory: allocations, seats, counters, audit, outbox."""

    students: dict[str, ReviewStudent]
    capacity: dict[str, int]
    status: dict[str, str] = field(default_factory=dict)
    holdings: dict[str, Holding] = field(default_factory=dict)
    audit: list[ReviewChange] = field(default_factory=list)
    outbox: list = field(default_factory=list)
    last_sequence: int = 0
    fail_apply: bool = False

    @contextmanager
    def review(self):
        before = (dict(self.holdings), list(self.audit), list(self.outbox), self.last_sequence)
        tx = _Tx(self)
        try:
            yield tx
        finally:
            if not tx.committed:   # rolled back: nothing of the transaction stays
                self.holdings, self.audit, self.outbox, self.last_sequence = \
                    before[0], before[1], before[2], before[3]

    def changes(self, national_id=None):
        return [c for c in self.audit if national_id in (None, c.national_id)]

    def taken(self, mentor_id: str) -> int:
        return sum(h.mentor_id == mentor_id for h in self.holdings.values())


class _Tx:
    def __init__(self, store: FakeReviewStore):
        self.store, self.committed = store, False

    def student(self, nid):
        return self.store.students.get(nid)

    def holding(self, nid):
        return self.store.holdings.get(nid)

    def seats(self, mentor_id):
        if mentor_id not in self.store.capacity:
            return None
        last = next((c for c in reversed(self.store.audit)
                     if c.to_mentor == mentor_id and c.action in MOVING), None)
        return Seats(mentor_id, f"mentor {mentor_id}", self.store.status.get(mentor_id, "active"),
                     self.store.capacity[mentor_id], self.store.taken(mentor_id),
                     last.by if last else "", last.at if last else "")

    def kept_code(self, nid):   # as the SQL store: a flag row is never a holding
        return next((c.code for c in reversed(self.store.audit)
                     if c.national_id == nid and c.action in MOVING), "")

    def flagged(self, nid):
        last = next((c for c in reversed(self.store.audit) if c.national_id == nid
                     and c.action in (ReviewAction.FLAG, ReviewAction.UNFLAG)), None)
        return last is not None and last.action is ReviewAction.FLAG

    def take_sequence(self, yy, mid, floor=0):
        assert (yy, mid) == (5, "357")
        self.store.last_sequence = max(self.store.last_sequence, floor) + 1
        return self.store.last_sequence

    def apply(self, change, events):
        if self.store.fail_apply:
            raise RuntimeError("disk full")
        if change.action in (ReviewAction.FLAG, ReviewAction.UNFLAG):
            pass
        elif change.action is ReviewAction.RELEASE:
            del self.store.holdings[change.national_id]
        else:
            self.store.holdings[change.national_id] = Holding(
                change.national_id, change.to_mentor, change.code, change.run_id)
        self.store.audit.append(change)
        self.store.outbox.extend(events(len(self.store.audit)))
        return len(self.store.audit)

    def commit(self):
        self.committed = True


def _student(nid: str) -> ReviewStudent:
    return ReviewStudent(nid, (27, 1, 1, 0, 0, 0), 1, "run-1")


def _store(students=("0000000001", "0000000002", "0000000003"), capacity=None):
    return FakeReviewStore({n: _student(n) for n in students},
                           capacity or {"10": 1, "20": 2, "30": 1})


ELIGIBLE = {"10", "20"}            # "30" is outside every student's matrix rows


def _act(store, nid, action, mentor="", *, reason="درخواست ولی", by="op", admin=False,
         exception=False, codes=CODES):
    request = ReviewRequest(nid, ReviewAction(action), mentor, reason, by, AT, exception)
    return carry_out(request, store, eligible=lambda s: ELIGIBLE, admin=admin, codes=codes,
                     event_key=KEY)


def test_assign_issues_a_code_takes_a_seat_and_is_audited_with_its_event():
    store = _store()
    change = _act(store, "0000000001", "assign", "10")
    assert (change.from_mentor, change.to_mentor, change.code) == ("", "10", "053570001")
    assert store.holdings["0000000001"].mentor_id == "10" and store.taken("10") == 1
    assert store.audit == [change] and change.reason == "درخواست ولی" and change.by == "op"
    [event] = store.outbox
    assert event.event_type == STUDENT_REASSIGNED
    assert event.payload["to_mentor"] == "10" and event.payload["from_mentor"] == ""
    assert "0000000001" not in str(event.message())      # the student by its reference only


def test_move_frees_one_seat_and_takes_another_the_code_stays():
    store = _store()
    code = _act(store, "0000000001", "assign", "10").code
    moved = _act(store, "0000000001", "move", "20")
    assert (moved.from_mentor, moved.to_mentor, moved.code) == ("10", "20", code)
    assert store.taken("10") == 0 and store.taken("20") == 1


def test_release_frees_the_seat_and_the_code_comes_back_on_a_new_assign():
    store = _store()
    code = _act(store, "0000000001", "assign", "10").code
    released = _act(store, "0000000001", "release")
    assert released.code == code and released.to_mentor == "" and store.taken("10") == 0
    assert store.outbox[-1].event_type == STUDENT_RELEASED
    again = _act(store, "0000000001", "assign", "20")
    assert again.code == code and store.last_sequence == 1     # D15: the student's own code


@pytest.mark.parametrize("reason", ["", "   ", "\u200c\n"])
def test_every_action_needs_a_reason(reason):
    store = _store()
    with pytest.raises(InputError) as err:
        _act(store, "0000000001", "assign", "10", reason=reason)
    assert err.value.problems[0].code == "REVIEW_REASON_REQUIRED"
    assert store.audit == [] and store.holdings == {}


def test_the_last_seat_is_refused_naming_who_took_it():
    store = _store()
    _act(store, "0000000001", "assign", "10", by="zahra")
    with pytest.raises(ReviewRefused) as err:
        _act(store, "0000000002", "assign", "10", by="ali")
    problem = err.value.problems[0]
    assert problem.code == "REVIEW_NO_SEAT" and "zahra" in problem.message_en
    assert "zahra" in problem.message_fa and store.taken("10") == 1


def test_outside_the_matrix_only_an_administrator_and_only_as_an_exception():
    store = _store()
    with pytest.raises(ReviewRefused) as err:
        _act(store, "0000000001", "assign", "30")
    assert err.value.problems[0].code == "REVIEW_NOT_ELIGIBLE"
    with pytest.raises(ReviewRefused) as err:
        _act(store, "0000000001", "assign", "30", exception=True)
    assert err.value.problems[0].code == "REVIEW_EXCEPTION_ADMIN_ONLY"
    change = _act(store, "0000000001", "assign", "30", exception=True, admin=True, by="admin")
    assert change.exception and store.outbox[-1].payload["exception"] is True


def test_refusals_name_the_state():
    store = _store()
    with pytest.raises(ReviewRefused) as err:
        _act(store, "0000000001", "move", "10")
    assert err.value.problems[0].code == "REVIEW_NOT_ALLOCATED"
    _act(store, "0000000001", "assign", "10")
    for action, mentor, code in (("assign", "20", "REVIEW_ALREADY_ALLOCATED"),
                                 ("move", "10", "REVIEW_SAME_MENTOR")):
        with pytest.raises(ReviewRefused) as err:
            _act(store, "0000000001", action, mentor)
        assert err.value.problems[0].code == code
    with pytest.raises(NotFoundError):
        _act(store, "0000000002", "assign", "99")
    with pytest.raises(NotFoundError):
        _act(store, "9999999999", "assign", "10")
    store.status["20"] = "frozen"
    with pytest.raises(ReviewRefused) as err:
        _act(store, "0000000002", "assign", "20")
    assert err.value.problems[0].code == "REVIEW_MENTOR_NOT_ACTIVE"


def test_a_failed_write_leaves_nothing():
    store = _store()
    store.fail_apply = True
    with pytest.raises(RuntimeError):
        _act(store, "0000000001", "assign", "10")
    assert store.holdings == {} and store.audit == [] and store.outbox == []
    assert store.last_sequence == 0


def test_decide_keeps_the_holding_run_for_a_move():
    holding = Holding("0000000001", "10", "053570001", "run-0")
    seats = Seats("20", "m", "active", 2, 0)
    request = ReviewRequest("0000000001", ReviewAction.MOVE, "20", "x", "op", AT)
    change = decide(request, holding, seats, eligible=True, admin=False, code="", run_id="run-9")
    assert change.run_id == "run-0" and change.code == "053570001"


NIDS = [f"{i:010d}" for i in range(1, 6)]
MENTORS = ["10", "20", "30", "40"]
ACTIONS = st.tuples(st.sampled_from(NIDS), st.sampled_from(["assign", "move", "release", "flag",
                                                           "unflag"]),
                    st.sampled_from(MENTORS), st.booleans(), st.booleans())


@settings(max_examples=300, deadline=None)
@given(st.lists(ACTIONS, max_size=40),
       st.dictionaries(st.sampled_from(MENTORS), st.integers(0, 3), min_size=4))
def test_any_sequence_keeps_seats_uniqueness_and_the_audit_true(steps, capacity):
    store = _store(NIDS, capacity)
    for nid, action, mentor, exception, admin in steps:
        with suppress(ReviewRefused, NotFoundError):
            _act(store, nid, action, mentor, exception=exception, admin=admin)
        taken = Counter(h.mentor_id for h in store.holdings.values())
        assert all(taken[m] <= capacity[m] for m in taken)               # capacity
        codes = [h.code for h in store.holdings.values()]
        assert len(codes) == len(set(codes))                             # unique codes
        assert all(h.mentor_id in ELIGIBLE or _was_exception(store, h) for h in
                   store.holdings.values())
    # the audit, replayed from nothing, is exactly the allocations now
    replayed: dict[str, Holding] = {}
    moving = [c for c in store.audit if c.action in MOVING]   # a flag changes no holding
    for c in moving:
        if c.action is ReviewAction.RELEASE:
            assert replayed.pop(c.national_id).code == c.code
        else:
            assert (replayed[c.national_id].mentor_id if c.national_id in replayed else "") \
                == c.from_mentor
            replayed[c.national_id] = Holding(c.national_id, c.to_mentor, c.code, c.run_id)
    assert replayed == store.holdings
    assert [e.event_type for e in store.outbox] == [
        STUDENT_RELEASED if c.action is ReviewAction.RELEASE else STUDENT_REASSIGNED
        for c in moving]
    assert len({e.event_id for e in store.outbox}) == len(store.outbox)
    # a student keeps one code for the year, whatever was done to it
    by_student: dict[str, set[str]] = {}
    for c in moving:
        by_student.setdefault(c.national_id, set()).add(c.code)
    # a flag carries the code the student held then (or none), never another one
    assert all(not c.code or c.code in by_student.get(c.national_id, ())
               for c in store.audit if c.action not in MOVING)
    assert all(len(codes) == 1 for codes in by_student.values())


def _was_exception(store: FakeReviewStore, holding: Holding) -> bool:
    """Held outside the matrix only by an administrator's exception (the latest change)."""
    return [c for c in store.audit if c.national_id == holding.national_id
            and c.action in MOVING][-1].exception


def test_the_code_family_of_a_year():
    assert CODES.code(1, 7) == "053570007" and CODES.owns("053570007", 1)
    assert not CODES.owns("053730007", 1) and not CODES.owns("043570007", 1)
    assert not CODES.owns("", 1) and not CODES.owns("05357007", 1)
    with pytest.raises(CounterError):
        CODES.code(1, 10_000)


def test_a_student_with_unreadable_data_is_not_reviewed():
    store = _store()
    store.students["0000000001"] = ReviewStudent("0000000001", (27, 1, None, 0, 0, 0), 1, "r")
    with pytest.raises(ReviewRefused) as err:
        _act(store, "0000000001", "assign", "10")
    assert err.value.problems[0].code == "REVIEW_STUDENT_DATA_MISSING" and store.audit == []

