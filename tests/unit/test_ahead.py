"""``Ahead``: a call made in a forked child, its answer taken later (issue P: the student
report's package check runs beside the other reports). The answer is always the call's own:
its value, its error with every problem, or — when the child dies or cannot send it — the same
call made again in the parent."""

from __future__ import annotations

import os
import pickle

import pytest

from smartalloc.adapters.read_ahead import Ahead
from smartalloc.domain.errors import InputError, LimitError, Location, Problem
from tests.children import reaped

PROBLEM = Problem("INPUT_TOO_LARGE", "بزرگ", "too large", Location("s.xlsx", "Sheet1", 7, "A"))


def test_the_value_is_made_in_the_child():
    parent = os.getpid()
    ahead = Ahead(lambda: ({"Sheet1": (("B", 3),)}, os.getpid()), fork=True)
    child = ahead.pid
    value, made_by = ahead.result()
    assert value == {"Sheet1": (("B", 3),)} and made_by == child != parent
    assert reaped(child)


def test_the_childs_error_arrives_with_every_problem():
    def refuse():
        raise InputError([PROBLEM, PROBLEM])

    with pytest.raises(InputError) as refused:
        Ahead(refuse, fork=True).result()
    assert refused.value.problems == [PROBLEM, PROBLEM]
    assert str(refused.value) == str(InputError([PROBLEM, PROBLEM]))


def test_domain_errors_survive_pickling_whole():
    for error in (InputError(PROBLEM), LimitError([PROBLEM])):
        again = pickle.loads(pickle.dumps(error))
        assert type(again) is type(error) and again.problems == error.problems


def test_a_child_that_dies_leaves_the_call_to_the_parent():
    parent = os.getpid()
    ahead = Ahead(lambda: 42 if os.getpid() == parent else os._exit(3), fork=True)
    child = ahead.pid
    assert ahead.result() == 42 and reaped(child)


def test_a_value_that_cannot_be_sent_is_made_again_here():
    parent = os.getpid()
    value = Ahead(lambda: (lambda: os.getpid() == parent), fork=True).result()
    assert value() is True      # a lambda does not pickle: the parent made its own


def test_a_cancelled_call_leaves_no_child():
    import time

    ahead = Ahead(lambda: time.sleep(30), fork=True)
    child = ahead.pid
    assert child
    ahead.cancel()
    assert reaped(child)


def test_without_fork_the_call_is_made_when_asked():
    calls = []
    ahead = Ahead(lambda: calls.append(1) or len(calls), fork=False)
    assert calls == [] and ahead.result() == 1


class _Unbuildable(Exception):
    """Pickles, but cannot be rebuilt from its args (its ``__init__`` wants two)."""

    def __init__(self, a, b):
        super().__init__(f"{a}{b}")


def test_an_error_the_parent_cannot_rebuild_leaves_the_call_to_the_parent():
    parent = os.getpid()

    def work():
        if os.getpid() != parent:
            raise _Unbuildable(1, 2)
        return "made here"

    assert Ahead(work, fork=True).result() == "made here"


def test_then_is_made_in_the_child_on_the_value_it_sent():
    """The checking child answers first (the student sheet's check and half A), then makes
    ``then`` (half B) while the parent works on the first answer."""
    parent = os.getpid()
    ahead = Ahead(lambda: 20, fork=True, then=lambda value: (value + 1, os.getpid()))
    child = ahead.pid
    assert ahead.result() == 20 and ahead.pid == child      # still working on ``then``
    value, made_by = ahead.later()
    assert value == 21 and made_by == child != parent and reaped(child)


def test_then_of_a_child_that_died_after_its_first_answer_is_made_here():
    parent = os.getpid()
    ahead = Ahead(lambda: 1, fork=True,
                  then=lambda v: v + 1 if os.getpid() == parent else os._exit(3))
    child = ahead.pid
    assert ahead.result() == 1 and ahead.later() == 2 and reaped(child)


def test_the_error_of_then_arrives_and_a_first_error_leaves_no_child():
    def fail(value):
        raise InputError(PROBLEM)

    ahead = Ahead(lambda: 1, fork=True, then=fail)
    assert ahead.result() == 1
    with pytest.raises(InputError):
        ahead.later()

    def refuse():
        raise InputError(PROBLEM)

    ahead = Ahead(refuse, fork=True, then=lambda v: pytest.fail("then after an error"))
    child = ahead.pid
    with pytest.raises(InputError):
        ahead.result()
    assert reaped(child)


def test_without_fork_then_is_made_when_asked():
    ahead = Ahead(lambda: 5, fork=False, then=lambda v: v * 2)
    assert ahead.result() == 5 and ahead.later() == 10
