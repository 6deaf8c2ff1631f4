"""Domain events: types, deterministic ids, and no national id in clear."""

from __future__ import annotations

import json
import uuid
from collections import Counter

from smartalloc.domain.batch import allocate_batch
from smartalloc.domain.events import (
    _NAMESPACE,
    EVENT_TYPES,
    event_id,
    run_events,
    status_changed,
    student_ref,
)

from .alloc_fixtures import default_policy, matrix_of, mentor, rows_for, student

KEY = b"test-key"


def _events(run_id="r1"):
    pool = [mentor("1", covered=58)]                    # two seats
    students = [student(i) for i in range(3)]
    decisions = allocate_batch(students, matrix_of(pool, rows_for(pool[0])), default_policy()).decisions
    return students, list(run_events(students, decisions, run_id=run_id, occurred_at="t",
                                     key=KEY, counts={"students": 3}, qa_status="PASSED_QA",
                                     policy_stamp="p"))


def test_one_event_set_per_student_and_a_closing_run_completed():
    _, events = _events()
    kinds = Counter(e.event_type for e in events)
    assert kinds == {"StudentImported": 3, "CounterGenerated": 2, "MentorAssigned": 2,
                     "AllocationFailed": 1, "RunCompleted": 1}
    assert events[-1].event_type == "RunCompleted"
    assert set(kinds) <= set(EVENT_TYPES)
    assert all(e.routing_key == f"smartalloc.v1.{e.event_type}" for e in events)


def test_ids_are_deterministic_per_run_and_unique():
    _, a = _events()
    _, b = _events()
    _, other = _events("r2")
    assert [e.event_id for e in a] == [e.event_id for e in b]
    assert len({e.event_id for e in a}) == len(a)
    assert not {e.event_id for e in a} & {e.event_id for e in other}


def test_no_national_id_leaves_in_clear():
    students, events = _events()
    wire = json.dumps([e.message() for e in events], ensure_ascii=False)
    for s in students:
        assert s.national_id not in wire
        assert student_ref(s.national_id, KEY) in wire
    assert student_ref(students[0].national_id, KEY) != student_ref(students[0].national_id, b"x")


def test_status_change_event():
    e = status_changed("10", "active", "frozen", "leave", "ops", "t", 7)
    assert e.event_type == "MentorStatusChanged" and e.payload["to_status"] == "frozen"
    assert e.event_id != status_changed("10", "active", "frozen", "leave", "ops", "t", 8).event_id


def test_event_ids_are_the_uuid5_they_always_were():
    """``event_id`` skips building a ``UUID`` (issue P): the ids consumers already hold stay."""
    for run, kind, subject in (("", "MentorStatusChanged", "10|3"), ("a" * 32, "RunCompleted", "run"),
                               ("r1", "StudentImported", "ab12|7"), ("r", "T", "دانش‌آموز|۱۲"),
                               ("r", "T", ""), ("r", "T", "x" * 300)):
        assert event_id(run, kind, subject) == str(uuid.uuid5(_NAMESPACE, f"{run}|{kind}|{subject}"))
