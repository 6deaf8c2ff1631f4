"""The real fork path with real workbooks (until issue Q only the benchmarks took it): the
small agency written by forked children gives byte for byte the workbooks it gives in one
process, and the run's commit waits for the children."""

from __future__ import annotations

import os

import smartalloc.adapters.parallel as parallel
from smartalloc.adapters.db.engine import sqlite_url
from smartalloc.adapters.db.store import SqlStore
from smartalloc.adapters.input_reader import ExcelInputReader
from smartalloc.adapters.output_writer import ExcelOutputWriter
from smartalloc.entrypoints.inputs import resolve_inputs
from smartalloc.service_layer.run_allocation import run_allocation
from smartalloc.service_layer.run_reports import RunRequest
from tests.outputs import visible


def _run(agency, policy, where):
    return run_allocation(
        RunRequest(resolve_inputs(agency.out_dir), policy, where / "out", now="1404-09-15",
                   explanations=True),
        reader=ExcelInputReader(), writer=ExcelOutputWriter(),
        history=SqlStore(sqlite_url(where / "h.sqlite")))


def test_forked_writers_write_what_one_process_writes(small_agency, agency_policy, tmp_path,
                                                      monkeypatch):
    monkeypatch.setenv("SMARTALLOC_WRITE_PROCESSES", "1")
    inline = _run(small_agency, agency_policy, tmp_path / "inline")

    forks = []
    real_fork = os.fork

    def counted_fork():
        pid = real_fork()
        if pid:
            forks.append(pid)
        return pid

    monkeypatch.setenv("SMARTALLOC_WRITE_PROCESSES", "2")
    monkeypatch.setattr(parallel, "MIN_PARALLEL_COST", 0)
    monkeypatch.setattr(parallel.os, "fork", counted_fork)
    forked = _run(small_agency, agency_policy, tmp_path / "forked")

    # the matrix writer (started before the students are read), import_to_sabt.xlsx (started
    # while the other reports are built) and two shares of the rest
    assert len(forks) == 4
    assert forked.counts == inline.counts and forked.run_id == inline.run_id
    one, two = visible(tmp_path / "inline/out"), visible(tmp_path / "forked/out")
    assert set(one) == set(two) and len(one) == 6
    assert {n: b for n, b in one.items() if n.endswith((".xlsx", ".csv"))} == \
        {n: b for n, b in two.items() if n.endswith((".xlsx", ".csv"))}
    for pid in forks:                  # every child was joined before the run returned
        try:
            os.waitpid(pid, os.WNOHANG)
            raise AssertionError(f"child {pid} was not reaped")
        except ChildProcessError:
            pass
