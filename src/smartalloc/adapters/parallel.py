"""Run write jobs on the second core: a forked child writes while the parent goes on.

Writing the workbooks dominates a large run and each workbook is independent. A forked child
inherits the in-memory tables (nothing is pickled), writes its files and reports through a pipe;
a failure comes back to the parent as an ``OutputError`` naming the job. With one core, or for
small work, or with ``SMARTALLOC_WRITE_PROCESSES=1``, jobs simply run in the calling process.

The child is a copy of the parent — stack, database sockets, signal handlers — and must never
act as it: it runs its jobs only (no database, no job update), leaves by ``os._exit`` on every
path (no exception, ``finally``, ``atexit`` or finalizer of the parent's runs in it), and dies
with the parent (an OOM kill of the parent's PID alone must not leave it holding the parent's
connections and then unwinding into the parent's code: a job marked failed, a false crash).
"""

from __future__ import annotations

import contextlib
import ctypes
import os
import signal
import sys
from collections.abc import Callable, Sequence
from typing import NoReturn

from smartalloc.domain.errors import OutputError, Problem

Job = tuple[str, int, Callable[[], object]]   # (name, estimated cost in cells, work)
MIN_PARALLEL_COST = 300_000
# A writer child yields to the run's own process when more than two want the two cores: the
# parent's work (reports, QA, the history transaction) is what the run waits for, while a
# writer has until the commit (issue P).
WRITER_NICENESS = 5
# The matrix files start before the student report is parsed, and the parse takes both cores
# (``sheet_halves``): their child yields almost wholly to it, and writes on the core the
# parse, then the parent's work on the records, leave idle (issue P).
EARLY_WRITER_NICENESS = 15
PR_SET_PDEATHSIG = 1
_LIBC = ctypes.CDLL(None, use_errno=True) if sys.platform.startswith("linux") else None


def parallel_enabled() -> bool:
    workers = int(os.environ.get("SMARTALLOC_WRITE_PROCESSES", os.cpu_count() or 1))
    return workers >= 2 and hasattr(os, "fork")


def bind_to_parent(parent: int) -> None:
    """Have the kernel SIGKILL this child when its parent dies; leave now if it already has
    (died between ``fork`` and ``prctl``: the child was re-parented, no signal will come).

    The signal fires when the *thread* that forked ends: a ``Background`` is joined by the
    thread that started it (the writer's ``start``, ``write`` and ``finish`` run on the run's
    thread), which so outlives the child unless the parent dies. Not Linux: no such signal."""
    if _LIBC is not None and _LIBC.prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0) != 0:
        raise OSError(ctypes.get_errno(), "prctl(PR_SET_PDEATHSIG)")
    if os.getppid() != parent:
        os._exit(1)


def drop_parent_signals() -> None:
    """The signals the parent handles (SIGINT; a worker's SIGTERM) are its business: the child
    ignores them — no handler of the parent's runs in it (a KeyboardInterrupt into the parent's
    frames), nothing reaches the wakeup fd of the parent's event loop, which both share, and a
    graceful stop lets the parent finish the job with its child. SIGKILL still ends it."""
    signal.set_wakeup_fd(-1)
    for sig in signal.valid_signals():
        if callable(signal.getsignal(sig)):
            signal.signal(sig, signal.SIG_IGN)


def _failed(text: str) -> OutputError:
    return OutputError(Problem("OUTPUT_WRITE_FAILED", f"نوشتن خروجی ناموفق بود: {text}",
                               f"writing an output failed: {text}"))


def run_here(jobs: Sequence[Job]) -> None:
    """Run jobs in this process; a failure is an ``OutputError`` naming the job, as from a
    child (never an exception a caller could take for a transient database fault)."""
    for name, _, work in jobs:
        try:
            work()
        except Exception as exc:
            raise _failed(f"{name}: {type(exc).__name__}: {exc}") from exc


def _child(jobs: Sequence[Job], pipes: tuple[int, int], parent: int,
           niceness: int = WRITER_NICENESS) -> NoReturn:
    """The child's whole life: run the jobs, report, ``os._exit`` — whatever happens."""
    code, doing = 1, "start"
    try:
        try:
            os.close(pipes[0])
            drop_parent_signals()
            bind_to_parent(parent)
            os.nice(niceness)
            for job in jobs:
                doing = job[0]
                job[2]()
            report, code = b"ok", 0
        except BaseException as exc:
            report = f"{doing}: {type(exc).__name__}: {exc}".encode()[:4000]
        os.write(pipes[1], report)   # EPIPE if the parent is gone: there is nobody left to tell
    finally:
        os._exit(code)


def fork_reporting(life: Callable[[tuple[int, int], int], NoReturn]) -> tuple[int, int]:
    """Fork a child that reports through a pipe: ``life(pipes, parent pid)`` is its whole
    life (it never returns); the parent gets the child's pid and the pipe's read end."""
    parent = os.getpid()
    read_end, write_end = os.pipe()
    pid = os.fork()
    if pid == 0:
        life((read_end, write_end), parent)
    os.close(write_end)
    return pid, read_end


class Background:
    """Jobs running in a forked child (or already done, when run inline)."""

    def __init__(self, jobs: Sequence[Job], *, fork: bool, niceness: int = WRITER_NICENESS):
        self.pid, self._pipe, self._done = 0, -1, not jobs
        if not jobs:
            return
        if not fork:
            self._done = True
            run_here(jobs)
            return
        self.pid, self._pipe = fork_reporting(
            lambda pipes, parent: _child(jobs, pipes, parent, niceness))

    def wait(self) -> None:
        """Join the child; raise OutputError if any of its jobs failed or it was killed."""
        if self._done:
            return
        self._done = True
        with os.fdopen(self._pipe, "rb") as pipe:
            reply = pipe.read()
        _, status = os.waitpid(self.pid, 0)
        if reply != b"ok":
            raise _failed(reply.decode(errors="replace") or _death(status))


def _death(status: int) -> str:
    """Why a child that reported nothing ended (a SIGKILL is the OOM killer's)."""
    code = os.waitstatus_to_exitcode(status)
    if code < 0:
        return f"the writer process was killed by signal {-code} ({signal.strsignal(-code)})"
    return f"the writer process died (exit status {code})"


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


def start_shares(jobs: Sequence[Job], *, min_cost: int | None = None
                 ) -> tuple[list[Background], list[Job]]:
    """Split ``jobs`` over two forked children when there are two cores and enough work, and
    leave the caller free for its own work beside them (a run's database transaction): three
    processes on two cores keep both busy to the end. (Until issue P the parent took the
    lighter share after its transaction, and at 100k the child sat idle for the last 1.9 s.)
    Otherwise every job is returned, for the caller to run itself."""
    if min_cost is None:
        min_cost = MIN_PARALLEL_COST
    if not parallel_enabled() or sum(j[1] for j in jobs) < min_cost:
        return [], list(jobs)
    children: list[Background] = []
    try:
        for share in _split(jobs):
            if share:
                children.append(Background(share, fork=True))
    except BaseException:   # the second fork failed: join the first before going
        with contextlib.suppress(OutputError):
            wait_all(children)
        raise
    return children, []


def run_jobs(jobs: Sequence[Job], *, min_cost: int | None = None) -> None:
    """Run every job, in two children when that pays off (see ``start_shares``)."""
    children, mine = start_shares(jobs, min_cost=min_cost)
    try:
        run_here(mine)
    finally:
        wait_all(children)


def wait_all(children: list[Background]) -> None:
    """Join every child, taking each off ``children`` as it is joined, even when one failed
    (none may still write into a folder that is about to be removed); then raise the first
    failure."""
    failures = []
    while children:
        try:
            children.pop(0).wait()
        except OutputError as exc:
            failures.append(exc)
    if failures:
        raise failures[0]

