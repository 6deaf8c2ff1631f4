"""Two-process writing: every job runs, and a failing job in the child is reported."""

from __future__ import annotations

import pytest

from smartalloc.adapters.parallel import _split, run_jobs
from smartalloc.domain.errors import OutputError


def _touch(path):
    return lambda: path.write_text("done")


def test_all_jobs_run_across_both_processes(tmp_path, monkeypatch):
    monkeypatch.setenv("SMARTALLOC_WRITE_PROCESSES", "2")
    paths = [tmp_path / f"f{i}" for i in range(5)]
    run_jobs([(p.name, 10 * (i + 1), _touch(p)) for i, p in enumerate(paths)], min_cost=0)
    assert all(p.read_text() == "done" for p in paths)


def test_a_failure_in_either_process_is_an_output_error(tmp_path, monkeypatch):
    monkeypatch.setenv("SMARTALLOC_WRITE_PROCESSES", "2")

    def boom():
        raise OSError("disk full")

    for failing in ("big.xlsx", "small.xlsx"):   # one child's share, then the other's
        jobs = [(name, cost, boom if name == failing else _touch(tmp_path / name))
                for name, cost in (("big.xlsx", 100), ("small.xlsx", 1))]
        assert [[j[0] for j in share] for share in _split(jobs)] == [["big.xlsx"], ["small.xlsx"]]
        with pytest.raises(OutputError) as err:
            run_jobs(jobs, min_cost=0)
        assert failing in str(err.value) and "disk full" in str(err.value)


def test_small_work_stays_in_one_process(tmp_path, monkeypatch):
    monkeypatch.setenv("SMARTALLOC_WRITE_PROCESSES", "2")
    seen = []
    run_jobs([("a", 1, lambda: seen.append("a")), ("b", 1, lambda: seen.append("b"))])
    assert seen == ["a", "b"]        # a forked child's append would not be visible here
