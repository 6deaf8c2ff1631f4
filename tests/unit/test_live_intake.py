"""Live intake, mode "now" (issue L), on fakes: the handler with an in-memory store, the
batch engine as is. The acceptance property: any interleaving of live entries and batches
decides every student as one batch over the same students in arrival order — same mentor,
same registration code, same failure class."""

from __future__ import annotations

from collections import Counter
from contextlib import contextmanager
from dataclasses import replace
from types import SimpleNamespace

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from smartalloc.domain.allocation import AllocationEngine
from smartalloc.domain.batch import allocate_batch
from smartalloc.domain.counters import CODE_PATTERN
from smartalloc.domain.decision import FailureClass, Outcome
from smartalloc.domain.errors import ConfigurationError, Problem
from smartalloc.domain.intake import ALLOCATED, DUPLICATE, QUEUED, EntryKey, judge
from smartalloc.domain.intake_policy import GravityFormsMap
from smartalloc.domain.live_allocation import LiveBasis
from smartalloc.domain.records import HistoryEntry
from smartalloc.domain.review import CodeFamily
from smartalloc.service_layer.live_basis import LiveBases
from smartalloc.service_layer.live_intake import Look, allocate_entry
from smartalloc.service_layer.ports import InputPaths

from .alloc_fixtures import default_policy, matrix_of, mentor, rows_for, student
from .test_allocation_properties import build, mentor_spec, student_spec

POLICY = default_policy()
GF = GravityFormsMap()
RUNS = frozenset({"basis"})


class FakeLive:
    """The system of record in memory: allocations, the counter, stored entries. Every run
    and every live entry here read the one mentor report, so all allocations count."""

    def __init__(self):
        self.allocations: dict[str, HistoryEntry] = {}
        self.counter: dict[tuple[int, str], int] = {}
        self.entries: dict[EntryKey, object] = {}
        self.events: list = []
        self.kept: dict[str, str] = {}

    @contextmanager
    def allocating(self):
        yield self

    def look(self, key, national_id):
        return Look(("basis",), self.entries.get(key), self.allocations.get(national_id),
                    self.kept.get(national_id, ""))

    def already(self, mentor_ids, runs):
        assert runs == RUNS      # every run here read the one mentor report: all allocations count
        given = Counter(e.mentor_id for e in self.allocations.values())
        return {m: given[m] for m in mentor_ids if given[m]}

    def code_holder(self, code):
        return next((e.national_id for e in self.allocations.values() if e.code == code), "")

    def take_sequence(self, yy, mid, floor=0):
        taken = self.counter[yy, mid] = max(self.counter.get((yy, mid), 0), floor) + 1
        return taken

    def save(self, entry, student, allocation, events, *, replace_rejected, kept_code):
        self.entries[entry.key] = entry
        self.events += events
        if allocation is not None:
            self.record([allocation])

    def record(self, entries):
        for e in entries:
            assert e.national_id not in self.allocations
            self.allocations[e.national_id] = e
            m = CODE_PATTERN.match(e.code)
            key = (int(m.group(1)), m.group(2))
            self.counter[key] = max(self.counter.get(key, 0), int(m.group(3)))

    def commit(self):
        pass


class OneBasis:
    """Every run here read the one mentor report: each run's allocations take its seats."""

    def __init__(self, matrix):
        self.basis = LiveBasis("basis", RUNS, POLICY.stamp, AllocationEngine(matrix, POLICY),
                               CodeFamily.of(POLICY, POLICY.academic_year))

    def ready(self, mark):
        return self.basis

    def build(self, mark):
        raise AssertionError("one basis, ready from the start")


def live(store: FakeLive, basis: OneBasis, record, n: int):
    judged = judge(record, POLICY, GF)
    key = EntryKey("main", "7", str(n))
    if judged.failure is not None:
        return None
    return allocate_entry(key, f"digest-{n}", judged, basis, store=store, event_key=b"k" * 32,
                          at="1405-09-16 10:00:00", date="1405-09-16", replace_rejected=False)


def batch(store: FakeLive, matrix, records, run_id: str) -> dict:
    """A weekly batch on the store's state, recorded as a run would record it."""
    history = list(store.allocations.values())
    already = Counter(e.mentor_id for e in history)
    result = allocate_batch(records, matrix, POLICY, history=history, already=already)
    store.record([HistoryEntry(d.national_id, d.mentor_id, d.code, records[d.index].keys,
                               str(d.channel), "1405-09-16", run_id, POLICY.stamp)
                  for d in result.decisions if d.outcome is Outcome.ALLOCATED])
    return {d.national_id: d for d in result.decisions}


def outcome(decision) -> tuple:
    return (decision.mentor_id, decision.code, decision.alias, decision.failure)


@settings(max_examples=250, deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(mentor_spec, min_size=1, max_size=12), st.lists(student_spec, max_size=30),
       st.lists(st.integers(0, 4), max_size=30))
def test_live_and_batches_interleaved_equal_one_batch_in_arrival_order(
        mentor_specs, student_specs, ways):
    pool, rows = build(mentor_specs)
    matrix = matrix_of(pool, rows)
    students = [student(i, group=g, gender=x, status=s, center=c, finance=f, school=sc)
                for i, (g, x, s, c, f, sc) in enumerate(student_specs)]
    one = {d.national_id: d for d in allocate_batch(students, matrix, POLICY).decisions}

    store, basis = FakeLive(), OneBasis(matrix)
    got: dict[str, tuple] = {}
    waiting: list = []             # the weekly file's students since the last batch
    for i, s in enumerate(students):
        way = ways[i] if i < len(ways) else 0
        if way == 0:               # 0: a live entry; else the file, 4: then the batch runs
            for d in batch(store, matrix, waiting, f"run-{i}").values():
                got[d.national_id] = outcome(d)
            waiting = []
            answer = live(store, basis, s, i)
            if answer is None:     # unusable keys: the batch's DATA_MISSING, not allocated
                assert one[s.national_id].failure is FailureClass.DATA_MISSING
                got[s.national_id] = outcome(one[s.national_id])
                continue
            body = answer.body
            if answer.outcome == ALLOCATED:
                got[s.national_id] = (body["mentor"]["id"], body["registration_code"],
                                      body["mentor"]["alias"], None)
            else:
                assert answer.outcome == QUEUED and answer.http_status == 202
                got[s.national_id] = ("", "", "", FailureClass(body["failure"]))
        else:
            waiting.append(replace(s, index=len(waiting)))
            if way == 4:
                for d in batch(store, matrix, waiting, f"run-{i}").values():
                    got[d.national_id] = outcome(d)
                waiting = []
    for d in batch(store, matrix, waiting, "last").values():
        got[d.national_id] = outcome(d)
    assert got == {nid: outcome(d) for nid, d in one.items()}


def test_a_batch_after_live_intake_skips_the_live_student_and_counts_its_seat():
    pool = [mentor("10", capacity=2, covered=0), mentor("20", capacity=1, covered=0)]
    matrix = matrix_of(pool, [r for m in pool for r in rows_for(m)])
    store, basis = FakeLive(), OneBasis(matrix)
    first = live(store, basis, student(0), 0)
    assert first.outcome == ALLOCATED and first.http_status == 200
    assert first.body["mentor"] == {"id": "10", "name": "mentor 10", "alias": "1001"}
    decided = batch(store, matrix, [student(0), student(1), student(2), student(3)], "week")
    again = decided[student(0).national_id]
    assert again.failure is FailureClass.DUPLICATE and again.code == first.body[
        "registration_code"]
    placed = Counter(d.mentor_id for d in decided.values() if d.outcome is Outcome.ALLOCATED)
    assert placed == {"20": 1, "10": 1}            # 10 had one seat left after the live one
    assert decided[student(3).national_id].failure is FailureClass.CAPACITY_FULL
    late = live(store, basis, student(4), 4)       # every seat gone: queued, with the reason
    assert late.outcome == QUEUED and late.body["failure"] == "CAPACITY_FULL"
    assert late.body["reason_en"] == "capacity full" and late.body["reason_fa"]
    repeat = live(store, basis, student(1), 5)     # allocated by the batch: a duplicate
    assert repeat.outcome == DUPLICATE and repeat.body["mentor"] == {"id": "20"}
    assert [e.event_type for e in store.events].count("MentorAssigned") == 1


def test_a_returning_student_keeps_its_own_code_of_this_year_and_the_counter_moves_past():
    pool = [mentor("10", capacity=5, covered=0)]
    matrix = matrix_of(pool, rows_for(pool[0]))
    store, basis = FakeLive(), OneBasis(matrix)
    own = basis.basis.codes.code(1, 40)
    record = replace(student(0), prior_codes=(own,))
    kept = live(store, basis, record, 0)
    assert kept.body["registration_code"] == own
    fresh = live(store, basis, student(1), 1)
    assert fresh.body["registration_code"] == basis.basis.codes.code(1, 41)
    released = basis.basis.codes.code(1, 7)         # a review released it, keeping its code
    store.kept[student(2).national_id] = released
    again = live(store, basis, student(2), 2)
    assert again.body["registration_code"] == released
    taken = replace(student(3), prior_codes=(own,))  # a code another student holds: not kept
    assert live(store, basis, taken, 3).body["registration_code"] == \
        basis.basis.codes.code(1, 42)


def test_a_basis_that_cannot_be_built_queues_entries_without_reading_again(tmp_path):
    """The run's reports no longer make a matrix (here the reader refuses them): the entry is
    queued, not refused — the site would not send it again — and the next entry of the same
    mark does not read the reports again."""
    report = tmp_path / "inspactor.xlsx"
    report.write_bytes(b"kept")
    job = SimpleNamespace(id="job-1", kind="allocation", state="succeeded",
                          params={"files": {"inspactor": "kept"}}, result={"run_id": "run-1"},
                          error=None, request_hash="")

    class Reader:
        calls = 0

        def read(self, paths, policy):
            Reader.calls += 1
            raise ConfigurationError(Problem("X", "گزارش خوانده نشد", "unreadable"))

    history = SimpleNamespace(agency_profile=lambda: None, governance=lambda: {})
    bases = LiveBases(POLICY, jobs=SimpleNamespace(latest=lambda kind, state="succeeded": job),
                      reader=Reader(), history=history,
                      paths_of=lambda files: InputPaths(report, None, None))
    mark = ("run-1", None, None)
    assert bases.build(mark) is None and bases.ready(mark) is None
    assert bases.build(mark) is None and Reader.calls == 1
