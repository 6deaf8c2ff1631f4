"""A run's progress moves (issue J): each stage reports what it is doing with counts — the
reports read and their rows, the history parts, the explanations, every file written, by the
parent and by the forked writer alike — while stage changes stay out of the run's database
transaction, and a sub-step never touches the jobs table."""

from __future__ import annotations

from smartalloc.adapters import parallel
from smartalloc.adapters.db.engine import sqlite_url
from smartalloc.adapters.db.store import SqlStore
from smartalloc.adapters.input_reader import ExcelInputReader
from smartalloc.adapters.output_writer import ExcelOutputWriter
from smartalloc.adapters.progress_file import ProgressLog
from smartalloc.domain.progress import fold
from smartalloc.entrypoints.api.job_process import job_progress
from smartalloc.entrypoints.inputs import resolve_inputs
from smartalloc.service_layer.ports import OUTPUT_FILES
from smartalloc.service_layer.run_allocation import run_allocation
from smartalloc.service_layer.run_reports import RunRequest


def test_every_stage_reports_sub_steps_from_every_process(small_agency, agency_policy,
                                                          tmp_path, monkeypatch):
    monkeypatch.setenv("SMARTALLOC_WRITE_PROCESSES", "2")
    monkeypatch.setattr(parallel, "MIN_PARALLEL_COST", 0)     # the writer forks even here
    log, calls = ProgressLog(tmp_path / "job"), []

    def progress(stage, fraction, detail=None):
        calls.append((stage, detail))
        log.append({"stage": stage, **(detail or {"fraction": fraction})})

    run_allocation(RunRequest(resolve_inputs(small_agency.out_dir), agency_policy,
                              tmp_path / "out", now="1404-09-15", explanations=True),
                   reader=ExcelInputReader(), writer=ExcelOutputWriter(),
                   history=SqlStore(sqlite_url(tmp_path / "h.sqlite")), progress=progress)

    stages = [s for s, d in calls if d is None]
    assert stages == ["read", "matrix", "allocate", "reports", "write", "done"]
    assert ("read", {"step": "rows", "done": 200, "item": "students"}) in calls
    assert ("read", {"step": "report", "done": 5, "total": 6, "item": "students"}) in calls

    events = log.read()     # the parent's and the forked writer's, one log
    # no stage change while the transaction is open (write → done), but sub-steps go on
    write = next(i for i, e in enumerate(events) if e == {**e, "stage": "write", "fraction": 0.7})
    inside = events[write + 1:-1]
    assert all("step" in e for e in inside) and events[-1]["stage"] == "done"
    assert {"history", "trace", "explain", "search_index", "file"} <= {e["step"] for e in inside}
    written = {e["item"] for e in events if e.get("step") == "file"}
    assert written == set(OUTPUT_FILES.values())
    here = {d.get("item") for _, d in calls if d and d["step"] == "file"}
    assert not here >= written           # some were reported by the forked writers
    done = fold(events, events[-1]["t"])
    assert done["stage"] == "done" and done["files"] == {"done": 6, "total": 6}


class _Jobs:
    def __init__(self):
        self.writes = []

    def update(self, job_id, **values):
        self.writes.append(values)

    def heartbeat(self, job_id):
        self.writes.append("beat")


class _System:
    """What ``job_progress`` uses of the process's wiring: its jobs table, the job's log."""

    def __init__(self):
        self.table = _Jobs()

    def jobs(self):
        return self.table

    @staticmethod
    def progress_log(folder):
        return ProgressLog(folder)


def test_a_sub_step_goes_to_the_log_never_to_the_jobs_table(tmp_path):
    system = _System()
    progress = job_progress(system, "job-1", tmp_path)
    progress("write", 0.7)                                 # a stage: the table and the log
    assert system.table.writes == [{"stage": "write", "progress": 0.7}]
    progress("write", 0.7, {"step": "history", "done": 1, "total": 3})   # inside the commit
    progress("write", 0.7, {"step": "file", "item": "qa.xlsx"})
    assert system.table.writes == [{"stage": "write", "progress": 0.7}]
    assert [e.get("step") for e in ProgressLog(tmp_path).read()] == [None, "history", "file"]
