"""Live intake, ``mode = "now"`` (issue L, slice 2): an entry allocated on arrival.

``receive_entry`` (``service_layer.intake``) reads and judges the entry; one whose data the
batch would accept comes here. In **one** transaction of the ``LiveAllocations`` store — under
the run lock, as a review action, so a batch that counted seats at its start cannot commit on
top of it; shared between entries, whose candidate mentors' and counter's rows are locked
instead — it:

1. reads, in one statement, the basis's mark (a new run means a new basis), the entry again (a
   copy of the same webhook that won the race is answered as a retry) and the student's
   allocation (one per national id, ever: DUPLICATE, as a batch decides);
3. counts the candidates' seats since the basis run's mentor report and lets the engine pick
   (``domain.live_allocation``), drawing a code from the database's counter — above every
   code the run's files know — or keeping the student's own code of this year (D15);
4. stores the entry with its answer, the allocation and the events, and commits.

A student the engine cannot place now (no eligible mentor, every seat taken) is stored
**queued** with the failure in its answer: the next batch considers it again, so a live
failure never loses a student. With no basis (no run through the service yet, or the latest
recorded run is not one), or while a run holds the lock, the entry is queued.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass
from typing import Protocol

from smartalloc.domain.decision import Decision, FailureClass, Outcome
from smartalloc.domain.events import Event, decision_events, student_ref
from smartalloc.domain.intake import (
    ALLOCATED,
    DUPLICATE,
    QUEUED,
    REJECTED,
    EntryKey,
    Judged,
    answer,
    entry_subject,
    imported_event,
)
from smartalloc.domain.live_allocation import LiveBasis, decide, reason_en
from smartalloc.domain.records import HistoryEntry, StudentRecord
from smartalloc.service_layer.intake import (
    ACCEPTED,
    AllocateNow,
    IntakeAnswer,
    StoredEntry,
    conflict,
)

NOW = "now"
OK = 200


RETRIES = 3


class RaceLost(Exception):
    """Another transaction took what this one was writing (the same entry or student, or a
    deadlock broken by the database): the entry is decided again from the start."""


class BatchRunning(Exception):
    """A run holds the run lock beyond the wait allowed: the entry is queued for the batch."""


@dataclass(frozen=True)
class Look:
    """What an entry reads first, in one round trip once it holds the lock."""

    mark: tuple                     # what the basis depends on as the database holds it now
    prior: StoredEntry | None       # the entry stored before under these ids
    holding: HistoryEntry | None    # the student's allocation (one per national id, ever)
    kept_code: str                  # the code a review left the student (D15), or ""


class LiveTransaction(Protocol):
    """One transaction holding the run lock shared (runs and reviews are excluded; another
    entry is not — the rows it reads are locked instead, until it ends)."""

    def look(self, key: EntryKey, national_id: str) -> Look:
        """The basis's mark (the latest recorded run, the latest governance and agency-profile
        change: a changed mark means a new basis), the entry, the student's allocation and
        kept code — read after the lock, so a run committed before it is seen."""
        ...

    def already(self, mentor_ids: Sequence[str], runs: Collection[str]) -> dict[str, int]:
        """Students given to each of these mentors by ``runs`` (those that read the basis's
        mentor report — every run, review and live entry counted in one of them), with the
        mentors' rows locked: the seats a batch starting now would count as taken."""
        ...

    def code_holder(self, code: str) -> str:
        """The national id whose allocation holds ``code`` ("" for none)."""
        ...

    def take_sequence(self, yy: int, mid: str, floor: int = 0) -> int: ...

    def save(self, entry: StoredEntry, student: StudentRecord, allocation: HistoryEntry | None,
             events: Sequence[Event], *, replace_rejected: bool, kept_code: bool) -> None:
        """Store the entry, and the allocation with the student; ``kept_code``: the code was
        not drawn from the counter, which must still move past it. ``RaceLost`` when another
        transaction wrote the same entry or student first."""
        ...

    def commit(self) -> None: ...


class LiveAllocations(Protocol):
    def allocating(self) -> AbstractContextManager[LiveTransaction]:
        """``BatchRunning`` when a run keeps the lock past the wait allowed."""
        ...


class Bases(Protocol):
    def ready(self, mark: tuple) -> LiveBasis | None:
        """The basis kept for ``mark``; None when it must be built first."""
        ...

    def build(self, mark: tuple) -> LiveBasis | None:
        """Read the reports and build the basis of ``mark`` (seconds for a large agency: never
        inside an entry's transaction); None when there is none to allocate against."""
        ...


def allocator(bases: Bases, store: LiveAllocations, event_key: bytes) -> AllocateNow:
    """``receive_entry``'s ``allocate`` for mode "now"."""
    def allocate(key: EntryKey, digest: str, judged: Judged, replace_rejected: bool,
                 at: str) -> IntakeAnswer | None:
        return allocate_entry(key, digest, judged, bases, store=store, event_key=event_key,
                              at=at, date=at[:10], replace_rejected=replace_rejected)
    return allocate


def allocate_entry(key: EntryKey, digest: str, judged: Judged, bases: Bases, *,
                   store: LiveAllocations, event_key: bytes, at: str, date: str,
                   replace_rejected: bool) -> IntakeAnswer | None:
    """Allocate one judged entry now (``at`` Jalali time, ``date`` the allocation's day);
    None — queue it — when there is no basis, or while a run holds the lock."""
    races = 0
    for _ in range(2 * RETRIES):
        try:
            outcome = _allocate(key, digest, judged, bases, store, event_key, at, date,
                                replace_rejected)
        except RaceLost:
            races += 1
            if races == RETRIES:
                raise conflict(key) from None
            continue
        except BatchRunning:
            return None
        if isinstance(outcome, IntakeAnswer):
            return outcome
        if bases.build(outcome) is None:     # a new mark: build its basis, then try again
            return None
    return None                              # the basis kept changing: the batch takes it


def _allocate(key: EntryKey, digest: str, judged: Judged, bases: Bases,
              store: LiveAllocations, event_key: bytes, at: str, date: str,
              replace_rejected: bool) -> IntakeAnswer | tuple:
    """The answer, or the mark whose basis must be built first."""
    student = judged.record
    with store.allocating() as tx:
        look = tx.look(key, student.national_id)
        basis = bases.ready(look.mark)
        if basis is None:
            return look.mark
        prior = look.prior
        if prior is not None:
            if prior.digest == digest:
                return IntakeAnswer(prior.http_status, prior.response, "replayed")
            if prior.status != REJECTED:
                raise conflict(key)
            replace_rejected = True
        previous = look.holding
        assert student.keys is not None
        already = ({} if previous is not None
                   else tx.already(basis.candidates(student.keys), basis.runs))
        decision = decide(basis, student, previous, already,
                          _issuer(tx, basis, student, look.kept_code))
        status, http = _stored_status(decision)
        body = live_answer(key, judged, decision, status)
        allocation = (HistoryEntry(student.national_id, decision.mentor_id, decision.code,
                                   student.keys, str(decision.channel), date, basis.run_id,
                                   basis.policy_stamp)
                      if status == ALLOCATED else None)
        entry = StoredEntry(key, digest, at, status, student.national_id, student.values, http,
                            body)
        tx.save(entry, student, allocation,
                live_events(key, judged, decision, digest, status, at, event_key),
                replace_rejected=replace_rejected, kept_code=decision.code_reused)
        tx.commit()
    return IntakeAnswer(http, body, status)


def _stored_status(decision: Decision) -> tuple[str, int]:
    if decision.outcome is Outcome.ALLOCATED:
        return ALLOCATED, OK
    if decision.failure is FailureClass.DUPLICATE:
        return DUPLICATE, OK
    return QUEUED, ACCEPTED        # no mentor now: the next batch considers it again


def _issuer(tx: LiveTransaction, basis: LiveBasis, student: StudentRecord,
            kept: str) -> Callable[[str, int], tuple[str, bool]]:
    """The code of a new allocation: the student's own code of this year — typed in the form
    (unless another student's allocation holds it) or left by a review — kept (D15), else the
    next of its gender above the counter and every code the basis run's files know."""
    codes = basis.codes

    def issue(national_id: str, gender: int) -> tuple[str, bool]:
        for code in (*student.prior_codes, kept):
            if codes.owns(code, gender) and tx.code_holder(code) in ("", national_id):
                return code, True
        return codes.code(gender, tx.take_sequence(codes.yy, codes.mids[gender],
                                                   codes.floor(gender))), False
    return issue


def live_answer(key: EntryKey, judged: Judged, decision: Decision, status: str) -> dict:
    """The stored answer the site shows: the mentor and the code, or the failure and why."""
    body = answer(key, judged, NOW) | {"status": status}
    if decision.outcome is Outcome.ALLOCATED:
        return body | {"mentor": {"id": decision.mentor_id, "name": decision.mentor_name,
                                  "alias": decision.alias},
                       "registration_code": decision.code}
    return body | {"failure": str(decision.failure), "reason_fa": decision.reason_fa,
                   "reason_en": reason_en(decision),
                   "mentor": ({"id": decision.previous_mentor_id}
                              if decision.previous_mentor_id else None),
                   "registration_code": decision.code or None}


def live_events(key: EntryKey, judged: Judged, decision: Decision, digest: str, status: str,
                at: str, event_key: bytes) -> list[Event]:
    """``StudentImported`` and what the decision announces, named by the entry (no run id on
    them: a replay of the basis run must not replace a live entry's unsent events)."""
    student = judged.record
    keys = list(student.keys) if student.keys else None
    return [imported_event(key, judged, digest, at, event_key, status),
            *decision_events(decision, student_ref(student.national_id, event_key), keys,
                             run_id="", occurred_at=at, subject=entry_subject(key, digest))]
