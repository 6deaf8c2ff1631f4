"""Run write jobs on the second core: a forked child writes while the parent goes on.

Writing the workbooks dominates a large run and each workbook is independent. A forked child
inherits the in-memory tables (nothing is pickled), writes its files and reports through a pipe;
a failure comes back to the parent as an ``OutputError`` naming the job. With one core, or for
small work, or with ``SMARTALLOC_WRITE_PROCESSES=1``, jobs simply run in the calling process.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence

from smartalloc.domain.errors import OutputError, Problem

Job = tuple[str, int, Callable[[], object]]   # (name, estimated cost in cells, work)
MIN_PARALLEL_COST = 300_000


def parallel_enabled() -> bool:
    workers = int(os.environ.get("SMARTALLOC_WRITE_PROCESSES", os.cpu_count() or 1))
    return workers >= 2 and hasattr(os, "fork")


class Background:
    """Jobs running in a forked child (or already done, when run inline)."""

    def __init__(self, jobs: Sequence[Job], *, fork: bool):
        self.pid, self._pipe, self._done = 0, -1, not jobs
        if not jobs:
            return
        if not fork:
            for _, _, work in jobs:
                work()
            self._done = True
            return
        read_end, write_end = os.pipe()
        pid = os.fork()
        if pid == 0:  # child: run, report, leave without any cleanup of the parent's state
            os.close(read_end)
            status = b"ok"
            try:
                for name, _, work in jobs:
                    status = name.encode()
                    work()
                status = b"ok"
            except BaseException as exc:
                status = f"{status.decode()}: {type(exc).__name__}: {exc}".encode()[:4000]
            finally:
                os.write(write_end, status)
                os._exit(0)
        os.close(write_end)
        self.pid, self._pipe = pid, read_end

    def wait(self) -> None:
        """Join the child; raise OutputError if any of its jobs failed."""
        if self._done:
            return
        self._done = True
        with os.fdopen(self._pipe, "rb") as pipe:
            reply = pipe.read()
        os.waitpid(self.pid, 0)
        if reply != b"ok":
            text = reply.decode(errors="replace") or "the writer process died"
            raise OutputError(Problem("OUTPUT_WRITE_FAILED", f"نوشتن خروجی ناموفق بود: {text}",
                                      f"writing an output failed: {text}"))


def start_background(jobs: Sequence[Job]) -> Background:
    """Start ``jobs`` in a child when that pays off, else run them now."""
    cost = sum(j[1] for j in jobs)
    return Background(jobs, fork=parallel_enabled() and cost >= MIN_PARALLEL_COST)


def _split(jobs: Sequence[Job]) -> tuple[list[Job], list[Job]]:
    """Greedy balance by cost: biggest first, each to the lighter side."""
    sides: tuple[list[Job], list[Job]] = ([], [])
    load = [0, 0]
    for job in sorted(jobs, key=lambda j: -j[1]):
        side = 0 if load[0] <= load[1] else 1
        sides[side].append(job)
        load[side] += job[1]
    return sides


def run_jobs(jobs: Sequence[Job], *, min_cost: int = MIN_PARALLEL_COST,
             alongside: Callable[[], object] | None = None) -> None:
    """Run every job; split over two processes when there are two cores and enough work.

    ``alongside`` is other work of the parent (the database transaction of a run): it runs
    while the child writes, and the parent then takes the lighter share of the jobs."""
    if not parallel_enabled() or len(jobs) < 2 or sum(j[1] for j in jobs) < min_cost:
        if alongside is not None:
            alongside()
        for _, _, work in jobs:
            work()
        return
    heavy, light = _split(jobs)
    mine, theirs = (light, heavy) if alongside is not None else (heavy, light)
    child = Background(theirs, fork=True)
    try:
        if alongside is not None:
            alongside()
        for _, _, work in mine:
            work()
    finally:
        child.wait()
