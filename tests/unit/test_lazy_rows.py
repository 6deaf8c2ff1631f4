"""``LazyRows``: a sheet's rows built on first read, once, their number known before; and the
allocation tables' per-student rows, built together on the first read of any of them."""

from __future__ import annotations

import pytest

from smartalloc.domain import allocation_report
from smartalloc.domain.allocation_report import allocation_tables
from smartalloc.domain.decision import FailureClass
from smartalloc.domain.tables import LazyRows

from .factories import make_decision, make_student


def test_the_count_is_known_before_and_the_rows_are_built_once():
    calls = []
    rows = LazyRows(lambda: calls.append(1) or [(1, "a"), (2, "b")], 2)
    assert len(rows) == 2 and not rows.built and calls == []
    assert list(rows) == [(1, "a"), (2, "b")] and rows[1] == (2, "b") and rows[:1] == [(1, "a")]
    assert rows.built and calls == [1]


def test_rows_that_differ_from_their_announced_count_are_refused():
    with pytest.raises(RuntimeError, match="3 rows built, 2 announced"):
        list(LazyRows(lambda: [(1,), (2,), (3,)], 2))


def test_the_per_student_rows_are_built_together_on_the_first_read(monkeypatch):
    built, build = [], allocation_report._per_student
    monkeypatch.setattr(allocation_report, "_per_student",
                        lambda *args: built.append(1) or build(*args))
    students = [make_student(0), make_student(1), make_student(2)]
    decisions = [make_decision(0, "M1"), make_decision(1, "M2"),
                 make_decision(2, failure=FailureClass.CAPACITY_FULL)]
    tables = allocation_tables(students, decisions, [], "stamp", trace_sheet=True)
    assert [len(t.rows) for t in tables] == [3, 0, 3, 2, 1] and built == []
    reasons = list(tables[3].rows)
    assert [r[1] for r in reasons] == [decisions[0].national_id, decisions[1].national_id]
    assert [len(list(t.rows)) for t in tables] == [3, 0, 3, 2, 1] and built == [1]
