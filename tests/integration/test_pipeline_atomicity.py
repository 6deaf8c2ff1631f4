"""A run is all or nothing: a failing history append leaves no workbook and no history."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
from sqlalchemy.exc import OperationalError

from smartalloc.adapters.db.engine import sqlite_url
from smartalloc.adapters.db.store import SqlRunUnitOfWork, SqlStore
from smartalloc.adapters.input_reader import ExcelInputReader
from smartalloc.adapters.output_writer import ExcelOutputWriter
from smartalloc.adapters.readers import file_sha256
from smartalloc.domain.errors import HistoryError, OutputError
from smartalloc.entrypoints.inputs import resolve_inputs
from smartalloc.service_layer.explain_student import explain_student
from smartalloc.service_layer.ports import OUTPUT_FILES
from smartalloc.service_layer.run_allocation import RunRequest, run_allocation

LEAKED_ID = "2281234567"   # what a driver's message would carry: the row being written


class FailingInsertStore(SqlStore):
    """The real store whose transaction fails after the allocations were inserted (a disk
    error injected between allocation and commit)."""

    attempts = 0

    @staticmethod
    def _advance_counters(conn, entries):
        FailingInsertStore.attempts += 1
        raise OperationalError("INSERT INTO allocations VALUES (:nid)", {"nid": LEAKED_ID},
                               sqlite3.OperationalError("disk I/O error (injected)"))


def store_at(path: Path, cls=SqlStore):
    return cls(sqlite_url(path))


def _request(agency, policy, out: Path) -> RunRequest:
    return RunRequest(resolve_inputs(agency.out_dir), policy, out, now="1404-08-27")


def test_history_failure_leaves_nothing_behind(small_agency, policy, tmp_path):
    out = tmp_path / "out"
    out.mkdir()
    (out / "keep.txt").write_text("operator's file")
    store = store_at(tmp_path / "h.sqlite", FailingInsertStore)
    with pytest.raises(HistoryError) as err:
        run_allocation(_request(small_agency, policy, out), reader=ExcelInputReader(),
                       writer=ExcelOutputWriter(), history=store)
    assert FailingInsertStore.attempts == 3                      # retried with backoff
    text = str(err.value)                                        # no SQL, no personal data
    assert "HISTORY_WRITE_FAILED" in text and "OperationalError" in text
    assert LEAKED_ID not in text and "INSERT" not in text
    assert sorted(p.name for p in out.iterdir()) == ["keep.txt"]  # no workbook, no staging dir
    assert store_at(tmp_path / "h.sqlite").load() == []


def test_a_publication_failing_after_the_commit_is_rolled_forward(small_agency, policy,
                                                                  tmp_path, monkeypatch):
    """The swap that publishes fails after history committed: the folder shows nothing of the
    run (never a part), the error says to run again, and the next start publishes it."""
    import os

    import smartalloc.adapters.publication as publication

    class FailingSwap:
        """The os module, but renaming the ``current`` link fails."""

        def __getattr__(self, name):
            return getattr(os, name)

        def replace(self, src, dst):
            if str(dst).endswith("/current"):
                raise OSError(28, "No space left on device")
            os.replace(src, dst)

    monkeypatch.setattr(publication, "os", FailingSwap())
    out = tmp_path / "out"
    store = store_at(tmp_path / "h.sqlite")
    with pytest.raises(OutputError) as err:
        run_allocation(_request(small_agency, policy, out), reader=ExcelInputReader(),
                       writer=ExcelOutputWriter(), history=store)
    assert "OUTPUT_PUBLISH_FAILED" in str(err.value) and "run the same command" in str(err.value)
    recorded = store.load()
    assert recorded                                          # the commit happened
    assert [p for p in out.iterdir() if not p.name.startswith(".") and p.exists()] == []
    monkeypatch.undo()
    assert ExcelOutputWriter().recover(out, store.committed) == ["rolled_forward"]
    visible = sorted(p.name for p in out.iterdir() if not p.name.startswith("."))
    assert visible == sorted(OUTPUT_FILES[k] for k in ("allocation", "matrix", "matrix_csv",
                                                      "qa", "sabt"))
    assert all((out / name).is_file() for name in visible)
    assert ExcelOutputWriter().recover(out, store.committed) == []     # nothing left to do
    assert store.load() == recorded


def test_run_then_explain_replays_the_decision(small_agency, agency_policy, tmp_path):
    policy = agency_policy
    store = store_at(tmp_path / "h.sqlite")
    result = run_allocation(_request(small_agency, policy, tmp_path / "out"),
                            reader=ExcelInputReader(), writer=ExcelOutputWriter(), history=store)
    assert result.counts["allocated"] == len(store.load())
    entry = store.load()[0]
    exp = explain_student(resolve_inputs(small_agency.out_dir), policy, entry.national_id,
                          reader=ExcelInputReader(), history=store, mentors=("9", entry.mentor_id))
    assert exp is not None
    assert exp.decision.mentor_id == entry.mentor_id and exp.decision.code == entry.code
    assert [s.stage for s in exp.stages][-1] == "capacity_gate"
    assert exp.candidates[0].mentor_id == entry.mentor_id
    why = dict(exp.why_not)
    assert why[entry.mentor_id] == "همین پشتیبان انتخاب شد"
    assert "مسدود" in why["9"]          # mentor 9 is frozen in the agency's policy


def test_a_qa_failure_publishes_for_diagnosis_but_records_no_allocation(
        small_agency, policy, tmp_path, monkeypatch):
    import dataclasses

    import smartalloc.service_layer.run_reports as use_case
    from smartalloc.domain.qa import QaStatus, run_all_invariants

    def failing(ctx):
        return dataclasses.replace(run_all_invariants(ctx), status=QaStatus.FAILED_QA)

    monkeypatch.setattr(use_case, "run_all_invariants", failing)
    store = store_at(tmp_path / "h.sqlite")
    result = run_allocation(_request(small_agency, policy, tmp_path / "out"),
                            reader=ExcelInputReader(), writer=ExcelOutputWriter(), history=store)
    assert result.qa_status == "FAILED_QA"
    assert (tmp_path / "out/qa.xlsx").exists()
    assert store.load() == []                                   # no allocation recorded
    assert store.runs_with_input(file_sha256(small_agency.students)) == [result.run_id]


def test_a_commit_failure_leaves_no_workbook(small_agency, policy, tmp_path):
    """The workbooks are published only after the commit: if the commit itself keeps failing,
    nothing is visible, the run's own folder is gone and history stays empty."""
    commits = []

    class CommitFails(SqlRunUnitOfWork):
        def commit(self):
            commits.append(1)
            raise OperationalError("COMMIT", {}, sqlite3.OperationalError("disk full"))

    class Store(SqlStore):
        def unit_of_work(self):
            return CommitFails(self)

    out = tmp_path / "out"
    with pytest.raises(HistoryError) as err:
        run_allocation(_request(small_agency, policy, out), reader=ExcelInputReader(),
                       writer=ExcelOutputWriter(), history=store_at(tmp_path / "h.sqlite",
                                                                    Store))
    assert err.value.problems[0].code == "HISTORY_WRITE_FAILED" and len(commits) == 3
    assert not out.exists() or not any(out.iterdir())
    assert store_at(tmp_path / "h.sqlite").load() == []
