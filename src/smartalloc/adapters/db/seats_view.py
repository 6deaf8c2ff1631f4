"""Mentors' seats now, for the review page's and the API's candidate list (issue K).

A page that lists a student's candidates must not wait for a run: ``SqlReviewStore`` reads
seats inside an action's transaction, under the run lock, which a run holds from its start to
its commit. This view reads the same numbers without the lock, in one pass for all the
candidates — what the operator sees before acting. It is advice: the action itself re-reads
the seats under the lock and refuses (409, naming who took the last one) if they went.

The count (``seats_of``) is the one a review action makes under its lock (``review_store``)
and a run makes: the students the mentor's InspactorReport covers plus the allocations of
every run that read that report; the last taker is the latest assign or move to the mentor.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection

from sqlalchemy import Engine, select

from smartalloc.adapters.db.schema import Allocation, Mentor, ReviewRow
from smartalloc.adapters.db.store import runs_with_input
from smartalloc.domain.review import ReviewAction, Seats

TAKING = (str(ReviewAction.ASSIGN), str(ReviewAction.MOVE))   # the audit rows that take a seat


class SeatsView:
    def __init__(self, engine: Engine):
        self.engine = engine

    def seats(self, mentor_ids: Collection[str]) -> dict[str, Seats]:
        """Each known mentor of ``mentor_ids`` → its seats now (unknown ids are left out)."""
        with self.engine.connect() as conn:
            return seats_of(conn, mentor_ids)


def seats_of(conn, mentor_ids: Collection[str]) -> dict[str, Seats]:
    """The mentors' seats as a run counts them, on ``conn`` — in a review action's locked
    transaction (``review_store``) or a page's plain read (``SeatsView``): one count for both."""
    wanted = sorted(set(mentor_ids))
    if not wanted:
        return {}
    mentors = conn.execute(select(
        Mentor.c.mentor_id, Mentor.c.name, Mentor.c.status, Mentor.c.capacity, Mentor.c.covered,
        Mentor.c.report_sha).where(Mentor.c.mentor_id.in_(wanted))).all()
    given: dict[str, list[str]] = defaultdict(list)
    for mentor_id, run_id in conn.execute(select(Allocation.c.mentor_id, Allocation.c.run_id)
                                          .where(Allocation.c.mentor_id.in_(wanted))):
        given[mentor_id].append(run_id)
    last: dict[str, tuple[str, str]] = {}
    for mentor_id, by, at in conn.execute(
            select(ReviewRow.c.to_mentor, ReviewRow.c.changed_by, ReviewRow.c.changed_at)
            .where(ReviewRow.c.to_mentor.in_(wanted), ReviewRow.c.action.in_(TAKING))
            .order_by(ReviewRow.c.id)):
        last[mentor_id] = (by, at)          # the latest wins
    runs: dict[str, set[str]] = {}
    found = {}
    for mentor_id, name, status, capacity, covered, report in mentors:
        if report and report not in runs:
            runs[report] = set(runs_with_input(conn, report))
        read = runs.get(report, set()) if report else set()
        by, at = last.get(mentor_id, ("", ""))
        found[mentor_id] = Seats(mentor_id, name, status, capacity,
                                 covered + sum(r in read for r in given[mentor_id]), by, at)
    return found
