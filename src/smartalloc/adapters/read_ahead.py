"""Check the student report's package on the second core while the rest of a run is read.

Its package check (``xlsx_guard``, 0.9 s at 100k students, 2 s without its compiled scan)
must end before calamine opens it, but needs nothing else: it starts in a forked child
(``Ahead``) while the parent reads the other reports and drafts the matrix. The answer is the
work's own (a value, or its error with every problem); the child's life follows
``parallel``'s rules (dies with the parent, ignores its signals, leaves by ``os._exit``). A
child may give a second answer after the first (``then``/``later``): the student sheet's
second half, parsed there while the parent parses the first (``sheet_halves``).
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
    to be made again here, so the answer is always the call's own.

    ``then``: a second call the child makes on that value once it has sent it, its answer
    taken by ``later`` (``sheet_halves``: the second half of the student sheet parsed there
    while the parent parses the first) — made here if the child did not send it."""

    def __init__(self, work: Callable[[], T], *, fork: bool,
                 then: Callable[[T], object] | None = None):
        self._work, self._then, self.pid, self._pipe = work, then, 0, -1
        self._value: tuple[T] | None = None
        self._later: tuple[object] | None = None
        if not fork:
            return
        self.pid, self._pipe = fork_reporting(
            lambda pipes, parent: _answer(work, then, pipes, parent))

    def result(self) -> T:
        """The call's value (asked again: the same value)."""
        if self._value is not None:
            return self._value[0]
        if not self.pid:
            self._value = (self._work(),)
            return self._value[0]
        kind, value = self._next()
        if self._then is None or kind != "value":
            self._reap()   # nothing more will come (or nothing more is wanted)
        if kind == "again":
            value = self._work()
        elif kind == "error":
            raise value
        self._value = (value,)
        return value

    def later(self) -> object:
        """The answer of ``then`` on ``result``'s value (``result`` first; asked again: the
        same answer)."""
        if self._value is None or self._then is None:
            raise RuntimeError("later() needs then= and result() first")
        if self._later is None:
            kind, value = self._next() if self.pid else ("again", None)
            self._reap()
            if kind == "again":
                value = self._then(self._value[0])
            elif kind == "error":
                raise value
            self._later = (value,)
        return self._later[0]

    def _next(self) -> tuple[str, object]:
        """The child's next answer: ("value" | "error" | "again", …); "again" if it sent none."""
        head = _read(self._pipe, 8)
        reply = _read(self._pipe, int.from_bytes(head, "big")) if len(head) == 8 else b""
        try:
            return pickle.loads(reply) if reply else ("again", None)
        except Exception:   # an error the parent cannot rebuild: the call is made here
            return "again", None

    def _reap(self) -> None:
        if self.pid:
            os.kill(self.pid, signal.SIGKILL)   # done, or not asked for more: no waiting
            os.waitpid(self.pid, 0)
            self.pid = 0
        if self._pipe >= 0:
            os.close(self._pipe)
            self._pipe = -1

    def cancel(self) -> None:
        """Stop and reap the child if its answers were never asked for (an earlier report
        failed, or ``result`` was interrupted)."""
        self._reap()


def _read(fd: int, size: int) -> bytes:
    """``size`` bytes from the pipe, fewer only at its end."""
    parts, left = [], size
    while left:
        part = os.read(fd, min(left, 1 << 20))
        if not part:
            break
        parts.append(part)
        left -= len(part)
    return b"".join(parts)


def _answer(work: Callable[[], object], then: Callable[[object], object] | None,
            pipes: tuple[int, int], parent: int) -> NoReturn:
    """An ``Ahead`` child's whole life: make the call, send its pickled outcome (then make
    ``then`` on its value and send that), ``os._exit``."""
    code = 1
    try:
        try:
            os.close(pipes[0])
            drop_parent_signals()
            bind_to_parent(parent)
            value = work()
            outcome, code = ("value", value), 0
        except BaseException as exc:
            outcome = ("error", exc)
        _send(pipes[1], outcome)
        if then is not None and outcome[0] == "value":
            try:
                second: tuple[str, object] = ("value", then(value))
            except BaseException as exc:
                second = ("error", exc)
            _send(pipes[1], second)
    finally:
        os._exit(code)


def _send(fd: int, outcome: tuple[str, object]) -> None:
    """One answer, pickled and framed by its length; one that cannot be pickled as "again"
    (the parent then makes the call itself)."""
    try:
        reply = pickle.dumps(outcome, protocol=5)
    except Exception:
        reply = pickle.dumps(("again", None))
    view = memoryview(len(reply).to_bytes(8, "big") + reply)
    while view:
        view = view[os.write(fd, view):]


def start_ahead(work: Callable[[], T], *, worth: bool,
                then: Callable[[T], object] | None = None) -> Ahead[T]:
    """``work`` in a child when there are two cores and it is ``worth`` it, else at ``result``."""
    return Ahead(work, fork=worth and parallel_enabled(), then=then)

