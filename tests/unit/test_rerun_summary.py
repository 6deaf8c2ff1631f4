"""Re-running is explained (issue G): students of earlier runs are counted apart from failures
and named by run and date."""

from __future__ import annotations

from smartalloc.domain.batch import allocate_batch
from smartalloc.domain.records import HistoryEntry
from smartalloc.domain.summary import earlier_runs, earlier_runs_text, outcome_counts

from .alloc_fixtures import default_policy, matrix_of, mentor, rows_for, student


def test_students_of_earlier_runs_are_counted_apart_from_failures_by_run():
    pool = [mentor("1", capacity=100, covered=0)]
    matrix = matrix_of(pool, rows_for(pool[0]))
    students = [student(i) for i in range(4)] + [student(0)]          # the last repeats row 2
    past = [HistoryEntry(students[i].national_id, "1", f"54357000{i + 1}", students[i].keys,
                         "GENERIC", "1404-08-20" if i else "1404-08-13", f"run{i > 0}", "p")
            for i in range(3)]
    result = allocate_batch(students, matrix, default_policy(), history=past)
    counts = outcome_counts(result.decisions)
    assert (counts["allocated"], counts["allocated_earlier"], counts["DUPLICATE"]) == (1, 3, 1)
    runs = earlier_runs(result.decisions, {e.national_id: e for e in past})
    assert [(r.run_id, r.allocated_at, r.students) for r in runs] == [
        ("runFalse", "1404-08-13", 1), ("runTrue", "1404-08-20", 2)]
    assert "2 student(s) were allocated by run runTrue on 1404-08-20" in earlier_runs_text(runs)[1]
