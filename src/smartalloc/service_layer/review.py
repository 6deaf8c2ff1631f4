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

from collections.abc import Callable, Collection, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass, replace
from typing import Protocol

from smartalloc.domain.errors import NotFoundError, Problem
from smartalloc.domain.events import Event, review_event
from smartalloc.domain.review import (
    Holding,
    ReviewAction,
    ReviewChange,
    ReviewRequest,
    Seats,
    decide,
)

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

    def code_for(self, student: ReviewStudent) -> str:
        """The student's own code of this year if it had one (D15), else the next code of
        its gender's counter, which this transaction advances."""
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
              event_key: bytes) -> ReviewChange:
    """Carry out one review action; the change as audited. Refusals raise
    (``ReviewRefused`` 409, ``NotFoundError`` 404, ``InputError`` 422) and write nothing."""
    with store.review() as tx:
        student = tx.student(request.national_id)
        if student is None:
            raise NotFoundError(Problem(
                "REVIEW_UNKNOWN_STUDENT", "این کد ملی در هیچ اجرایی نیامده است",
                "this national id was in no run"))
        holding = tx.holding(request.national_id)
        releasing = request.action is ReviewAction.RELEASE
        target = None if releasing else tx.seats(request.mentor_id)
        change = decide(request, holding, target,
                        eligible=not releasing and request.mentor_id in eligible(student),
                        admin=admin, code="", run_id=student.run_id)
        if not change.code:   # a new allocation: drawn only once the change will be written
            change = replace(change, code=tx.code_for(student))
        tx.apply(change, lambda sequence: [review_event(change, event_key, sequence)])
        tx.commit()
    return change
