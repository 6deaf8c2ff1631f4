"""A forked writer child never outlives its parent nor returns into the parent's code.

The child runs in this very test process (a fork of pytest): should it ever come back from
``Background(...)``, the guard below writes a marker and ends it, so an escaped child can
neither run the rest of the test session nor go unnoticed."""

from __future__ import annotations

import ctypes
import os
import signal
import sys
import time
import types
from pathlib import Path

import pytest

from smartalloc.adapters import parallel
from smartalloc.adapters.parallel import Background
from smartalloc.domain.errors import OutputError

linux_only = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="prctl is Linux's")
PR_GET_PDEATHSIG = 2


def _os_with(**overrides) -> types.SimpleNamespace:
    """The ``os`` module as parallel.py sees it, some functions replaced."""
    fake = types.SimpleNamespace(**{n: getattr(os, n) for n in dir(os) if not n.startswith("__")})
    for name, value in overrides.items():
        setattr(fake, name, value)
    return fake


def _start(jobs, escaped: Path) -> Background:
    """``Background(jobs, fork=True)``; a child that returns from it is caught and ended here."""
    me = os.getpid()
    try:
        return Background(jobs, fork=True)
    finally:
        if os.getpid() != me:                       # only a child that escaped gets here
            escaped.write_text(f"child {os.getpid()} returned into the caller\n")
            os._exit(7)


def test_a_child_whose_report_cannot_be_sent_exits_without_returning(tmp_path, monkeypatch):
    """The parent gone, the child's pipe write raises (EPIPE): it must still leave via
    ``os._exit`` — not raise into the frames of the run it was forked from."""
    def broken_pipe(fd, data):
        raise BrokenPipeError(32, "Broken pipe")

    monkeypatch.setattr(parallel, "os", _os_with(write=broken_pipe))
    escaped, done = tmp_path / "escaped", tmp_path / "done"
    child = _start([("a.xlsx", 1, lambda: done.write_text("ok"))], escaped)
    with pytest.raises(OutputError, match="died"):    # nothing came through the pipe
        child.wait()
    assert done.read_text() == "ok"
    assert not escaped.exists(), escaped.read_text()


@linux_only
def test_the_child_dies_with_its_parent(tmp_path):
    """PR_SET_PDEATHSIG is SIGKILL in the child (read back with PR_GET_PDEATHSIG)."""
    seen = tmp_path / "pdeathsig"

    def record() -> None:
        libc = ctypes.CDLL(None, use_errno=True)
        value = ctypes.c_int(-1)
        assert libc.prctl(PR_GET_PDEATHSIG, ctypes.byref(value), 0, 0, 0) == 0
        seen.write_text(str(value.value))

    _start([("probe", 1, record)], tmp_path / "escaped").wait()
    assert int(seen.read_text()) == signal.SIGKILL


def test_a_child_whose_parent_died_before_it_could_watch_runs_nothing(tmp_path, monkeypatch):
    """The parent died between fork and prctl (the child was re-parented): no job runs."""
    monkeypatch.setattr(parallel, "os", _os_with(getppid=lambda: 1))
    escaped, done = tmp_path / "escaped", tmp_path / "done"
    child = _start([("a.xlsx", 1, lambda: done.write_text("ok"))], escaped)
    with pytest.raises(OutputError):
        child.wait()
    assert not done.exists()
    assert not escaped.exists(), escaped.read_text()


def test_the_parents_signal_handlers_never_run_in_the_child(tmp_path):
    """A SIGTERM (or Ctrl-C) reaching the child runs none of the parent's handlers: it is the
    parent's to act on; the child finishes its job."""
    ran, done = tmp_path / "handler", tmp_path / "done"

    def job() -> None:
        os.kill(os.getpid(), signal.SIGTERM)
        os.kill(os.getpid(), signal.SIGINT)
        time.sleep(0.05)              # a Python handler would have run by now
        done.write_text("ok")

    previous = signal.signal(signal.SIGTERM, lambda *_: ran.write_text(str(os.getpid())))
    try:
        _start([("a.xlsx", 1, job)], tmp_path / "escaped").wait()
    finally:
        signal.signal(signal.SIGTERM, previous)
    assert not ran.exists(), f"the parent's SIGTERM handler ran in process {ran.read_text()}"
    assert done.read_text() == "ok"


def test_a_child_killed_by_a_signal_is_reported_as_such(tmp_path):
    """An OOM kill of the writer is an OutputError that says so."""
    child = _start([("big.xlsx", 1, lambda: os.kill(os.getpid(), signal.SIGKILL))],
                   tmp_path / "escaped")
    with pytest.raises(OutputError, match="killed by signal 9"):
        child.wait()
