"""The collector pauses only in a batch process, and overlapping pauses of two threads keep it
paused until the last one ends (a server's threads never switch it off for each other)."""

from __future__ import annotations

import gc
import threading

import pytest

from smartalloc.domain import gc_pause


@pytest.fixture
def fresh(monkeypatch):
    monkeypatch.setattr(gc_pause, "_state", {"allowed": False, "depth": 0, "was_enabled": False})
    assert gc.isenabled()
    yield
    gc.enable()


def test_a_process_that_did_not_opt_in_never_pauses(fresh):
    with gc_pause.gc_paused():
        assert gc.isenabled()


def test_overlapping_pauses_end_with_the_last(fresh):
    gc_pause.allow_in_this_process()
    first_in, second_in, first_out = threading.Event(), threading.Event(), threading.Event()
    seen = {}

    def first():
        with gc_pause.gc_paused():
            first_in.set()
            second_in.wait(5)
        first_out.set()

    def second():
        first_in.wait(5)
        with gc_pause.gc_paused():
            second_in.set()
            first_out.wait(5)
            seen["after_first_ended"] = gc.isenabled()

    threads = [threading.Thread(target=first), threading.Thread(target=second)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(10)
    assert seen == {"after_first_ended": False}   # the second pause still holds
    assert gc.isenabled()                           # and the last one restored it


def test_a_pause_leaves_a_disabled_collector_disabled(fresh):
    gc_pause.allow_in_this_process()
    gc.disable()
    with gc_pause.gc_paused():
        pass
    assert not gc.isenabled()
