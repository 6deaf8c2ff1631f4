"""Run independent write jobs on two cores: the parent does one share, a forked child the other.

Writing the workbooks dominates a large run and each workbook is independent, so a child
process (fork: it inherits the in-memory tables, nothing is pickled) writes part of them. A
failure in the child comes back to the parent as an ``OutputError`` naming the job.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence

from smartalloc.domain.errors import OutputError, Problem

Job = tuple[str, int, Callable[[], object]]   # (name, estimated cost, work)


def _split(jobs: Sequence[Job]) -> tuple[list[Job], list[Job]]:
    """Greedy balance by cost: biggest first, each to the lighter side."""
    sides: tuple[list[Job], list[Job]] = ([], [])
    load = [0, 0]
    for job in sorted(jobs, key=lambda j: -j[1]):
        side = 0 if load[0] <= load[1] else 1
        sides[side].append(job)
        load[side] += job[1]
    return sides


def run_jobs(jobs: Sequence[Job], *, min_cost: int = 300_000) -> None:
    """Run every job; in two processes when there are two cores and enough work."""
    workers = int(os.environ.get("SMARTALLOC_WRITE_PROCESSES", os.cpu_count() or 1))
    if workers < 2 or len(jobs) < 2 or sum(j[1] for j in jobs) < min_cost or not hasattr(os, "fork"):
        for _, _, work in jobs:
            work()
        return
    mine, theirs = _split(jobs)
    read_end, write_end = os.pipe()
    pid = os.fork()
    if pid == 0:  # child: write its share, report, and leave without running any cleanup
        os.close(read_end)
        status = b"ok"
        try:
            for name, _, work in theirs:
                status = name.encode()
                work()
            status = b"ok"
        except BaseException as exc:
            status = f"{status.decode()}: {type(exc).__name__}: {exc}".encode()[:4000]
        finally:
            os.write(write_end, status)
            os._exit(0)
    os.close(write_end)
    try:
        for _, _, work in mine:
            work()
    finally:
        with os.fdopen(read_end, "rb") as pipe:
            reply = pipe.read()
        os.waitpid(pid, 0)
    if reply != b"ok":
        text = reply.decode(errors="replace") or "child process died"
        raise OutputError(Problem("OUTPUT_WRITE_FAILED", f"نوشتن خروجی ناموفق بود: {text}",
                                  f"writing an output failed: {text}"))
