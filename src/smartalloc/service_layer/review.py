"""Use case: one manual-review action (issue K), atomic and audited.

An action reads the student's allocation and the target mentor's seats, decides
(``domain.review``), and writes the change, its audit row and its event in **one**
transaction of the ``ReviewStore``. The store locks what the decision read (the mentor's row,
the student's allocation, the counter it draws a code from) for the transaction, so two
operators taking the last seat cannot both succeed: the second reads a full mentor and is
refused with a 409 that names who took the seat.

The student's eligible mentors come from the same engine as explain: the matrix rows of its
six keys (``eligible``, from the run the student was decided in).
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Mapping, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass, replace
from typing import Protocol

from smartalloc.domain.batch import claimed_codes
from smartalloc.domain.candidates import CandidateIndex
from smartalloc.domain.eligibility import EligibilityMatrix
from smartalloc.domain.errors import NotFoundError, Problem
from smartalloc.domain.events import Event, review_event
from smartalloc.domain.policy import Policy
from smartalloc.domain.review import (
    FLAGS,
    CodeFamily,
    Holding,
    ReviewAction,
    ReviewChange,
    ReviewRefused,
    ReviewRequest,
    Seats,
    decide,
)
from smartalloc.service_layer.governance import policy_in_force
from smartalloc.service_layer.ports import HistoryStore, InputPaths, InputReader
from smartalloc.service_layer.run_context import build_matrix_for

Keys = tuple[int, int, int, int, int, int]


@dataclass(frozen=True)
class ReviewStudent:
    """What review needs of a student: its six keys, its gender (which code family) and the
    run it was last decided in."""

    national_id: str
    keys: Keys
    gender: int
    run_id: str


class ReviewTransaction(Protocol):
    """One transaction; what it reads stays locked until it ends."""

    def student(self, national_id: str) -> ReviewStudent | None: ...

    def holding(self, national_id: str) -> Holding | None: ...

    def seats(self, mentor_id: str) -> Seats | None: ...

    def kept_code(self, national_id: str) -> str:
        """The code the student last held (a release keeps it, D15); "" if none. A flag row
        is no holding: its code (often "") is never the answer."""
        ...

    def flagged(self, national_id: str) -> bool:
        """Whether the student's latest flag row is a flag (not cleared by an unflag)."""
        ...

    def take_sequence(self, yy: int, mid: str, floor: int = 0) -> int:
        """The next sequence of the (year, mid) counter, above ``floor`` too (codes known
        outside the database); this transaction advances the counter to it."""
        ...

    def apply(self, change: ReviewChange,
              events: Callable[[int], Sequence[Event]]) -> int:
        """Write the change (allocation, audit row) and its events — made from the audit
        row's number, which names each event uniquely; returns that number."""
        ...

    def commit(self) -> None: ...


class ReviewStore(Protocol):
    def review(self) -> AbstractContextManager[ReviewTransaction]: ...

    def changes(self, national_id: str | None = None) -> list[ReviewChange]: ...


Eligible = Callable[[ReviewStudent], Collection[str]]


def carry_out(request: ReviewRequest, store: ReviewStore, *, eligible: Eligible, admin: bool,
              codes: CodeFamily, event_key: bytes) -> ReviewChange:
    """Carry out one review action; the change as audited. Refusals raise
    (``ReviewRefused`` 409, ``NotFoundError`` 404, ``InputError`` 422) and write nothing."""
    with store.review() as tx:
        student = _known(tx, request.national_id)
        if request.action in FLAGS:
            return _flag(request, tx, student)
        if None in student.keys or student.gender not in codes.mids:
            raise ReviewRefused(Problem(
                "REVIEW_STUDENT_DATA_MISSING",
                "داده‌های این دانش‌آموز در گزارش ناقص یا نامعتبر بود؛ ابتدا گزارش را اصلاح کنید",
                "this student's data in the report was missing or invalid; correct the report"))
        holding = tx.holding(request.national_id)
        releasing = request.action is ReviewAction.RELEASE
        target = None if releasing else tx.seats(request.mentor_id)
        change = decide(request, holding, target,
                        eligible=not releasing and request.mentor_id in eligible(student),
                        admin=admin, code="", run_id=student.run_id)
        if not change.code:   # a new allocation: drawn only once the change will be written
            change = replace(change, code=_code(tx, student, codes))
        tx.apply(change, lambda sequence: [review_event(change, event_key, sequence)])
        tx.commit()
    return change


def flag(request: ReviewRequest, store: ReviewStore) -> ReviewChange:
    """Flag a student for review, or clear its flag (``request.action`` FLAG/UNFLAG): no
    inputs are needed — a flag reads no matrix and draws no code. Refused (409) when the
    student is already flagged / has no flag; 404 when it was in no run."""
    if request.action not in FLAGS:
        raise ValueError(f"not a flag action: {request.action}")
    with store.review() as tx:
        return _flag(request, tx, _known(tx, request.national_id))


def _known(tx: ReviewTransaction, national_id: str) -> ReviewStudent:
    student = tx.student(national_id)
    if student is None:
        raise NotFoundError(Problem(
            "REVIEW_UNKNOWN_STUDENT", "این کد ملی در هیچ اجرایی نیامده است",
            "this national id was in no run"))
    return student


def _flag(request: ReviewRequest, tx: ReviewTransaction, student: ReviewStudent) -> ReviewChange:
    """A flag or an unflag: an audit row only (no allocation, seat, code or event — nothing
    downstream of the allocations changes). A student whose report data was unreadable may
    be flagged too: that is often why."""
    holding = tx.holding(request.national_id)
    change = decide(request, holding, None, eligible=False, admin=False, code="",
                    run_id=student.run_id, flagged=tx.flagged(request.national_id))
    tx.apply(change, lambda _sequence: [])
    tx.commit()
    return change


def _code(tx: ReviewTransaction, student: ReviewStudent, codes: CodeFamily) -> str:
    """The student's own code of this year if it held one (D15), else the next of its gender."""
    kept = tx.kept_code(student.national_id)
    if codes.owns(kept, student.gender):
        return kept
    return codes.code(student.gender, tx.take_sequence(
        codes.yy, codes.mids[student.gender], codes.floor(student.gender)))


def matrix_eligibility(matrix: EligibilityMatrix, policy: Policy) -> Eligible:
    """The mentors with a matrix row on a student's six keys — the candidates explain lists,
    from the same index the engine ranks (``CandidateIndex``)."""
    index = CandidateIndex(matrix, policy)
    return lambda student: {index.pool[c.mentor].mentor_id for c in index.candidates(student.keys)}


def act_on_inputs(request: ReviewRequest, paths: InputPaths, policy: Policy, *,
                  reader: InputReader, history: HistoryStore, store: ReviewStore,
                  event_key: bytes, admin: bool, year: int | None = None,
                  overrides: Mapping[str, bool] | None = None) -> ReviewChange:
    """One action, its eligibility from the matrix these inputs make under the governance in
    force now (as explain builds it); codes of the academic year the runs use."""
    effective = policy_in_force(policy, history)[0]
    inputs = reader.read(paths, effective)
    matrix = build_matrix_for(inputs, effective, overrides)
    students = inputs.students.records if inputs.students else ()
    known = [e.code for e in (*inputs.roster, *claimed_codes(students))]   # as the batch learns
    return carry_out(request, store, eligible=matrix_eligibility(matrix, effective),
                     admin=admin, codes=CodeFamily.of(effective, year or effective.academic_year,
                                                      known), event_key=event_key)
