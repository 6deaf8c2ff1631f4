"""Check the student report's package on the second core while the rest of a run is read.

Its package check (``xlsx_guard``, 0.9 s at 100k students, 2 s without its compiled scan)
must end before calamine opens it, but needs nothing else: it starts in a forked child
(``Ahead``) while the parent reads the other reports and drafts the matrix. The answer is the
work's own (a value, or its error with every problem); the child's life follows
``parallel``'s rules (dies with the parent, ignores its signals, leaves by ``os._exit``).
"""

from __future__ import annotations

import os
import pickle
import signal
from collections.abc import Callable
from typing import Generic, NoReturn, TypeVar

from smartalloc.adapters.parallel import (
    bind_to_parent,
    drop_parent_signals,
    fork_reporting,
    parallel_enabled,
)

T = TypeVar("T")


class Ahead(Generic[T]):
    """One call started in a forked child now, its value wanted later (``result``): the parent
    reads the other reports while the child checks the student report's package. The value,
    or the exception, comes back pickled; a child that dies or cannot pickle it leaves the call
    to be made again here, so the answer is always the call's own."""

    def __init__(self, work: Callable[[], T], *, fork: bool):
        self._work, self.pid, self._pipe = work, 0, -1
        if not fork:
            return
        self.pid, self._pipe = fork_reporting(lambda pipes, parent: _answer(work, pipes, parent))

    def result(self) -> T:
        if not self.pid:
            return self._work()
        pipe, self._pipe = self._pipe, -1
        with os.fdopen(pipe, "rb") as reading:
            reply = reading.read()
        os.waitpid(self.pid, 0)
        self.pid = 0
        try:
            kind, value = pickle.loads(reply) if reply else ("again", None)
        except Exception:   # an error the parent cannot rebuild: the call is made here
            kind, value = "again", None
        if kind == "again":
            return self._work()
        if kind == "error":
            raise value
        return value

    def cancel(self) -> None:
        """Stop and reap the child if its value was never asked for (an earlier report failed,
        or ``result`` was interrupted)."""
        if self.pid:
            os.kill(self.pid, signal.SIGKILL)
            os.waitpid(self.pid, 0)
            self.pid = 0
        if self._pipe >= 0:
            os.close(self._pipe)
            self._pipe = -1


def _answer(work: Callable[[], object], pipes: tuple[int, int], parent: int) -> NoReturn:
    """An ``Ahead`` child's whole life: make the call, send its pickled outcome, ``os._exit``."""
    code, outcome = 1, ("again", None)
    try:
        try:
            os.close(pipes[0])
            drop_parent_signals()
            bind_to_parent(parent)
            outcome, code = ("value", work()), 0
        except BaseException as exc:
            outcome = ("error", exc)
        try:
            reply = pickle.dumps(outcome)
        except Exception:   # an answer that cannot be sent: the parent makes the call itself
            reply = pickle.dumps(("again", None))
        view = memoryview(reply)
        while view:
            view = view[os.write(pipes[1], view):]
    finally:
        os._exit(code)


def start_ahead(work: Callable[[], T], *, worth: bool) -> Ahead[T]:
    """``work`` in a child when there are two cores and it is ``worth`` it, else at ``result``."""
    return Ahead(work, fork=worth and parallel_enabled())

