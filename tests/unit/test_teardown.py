"""A process that leaves without teardown keeps a run's objects unfreed
(``domain.teardown``, issue P); any other process frees them as ever."""

from __future__ import annotations

import gc
import weakref
from pathlib import Path

import pytest

from smartalloc.domain import teardown
from smartalloc.service_layer.ports import InputPaths
from smartalloc.service_layer.run_allocation import run_allocation
from smartalloc.service_layer.run_reports import RunRequest
from tests.fakes import MemoryHistory, MemoryReader, RecordingWriter


class _Built:
    """Something a run built (weakly referable, unlike its tuples)."""


@pytest.fixture
def leaving(monkeypatch):
    """This test's process as ``cli.console`` makes it, restored afterwards."""
    monkeypatch.setitem(teardown._state, "keeping", False)
    monkeypatch.setattr(teardown, "_kept", [])
    yield
    gc.unfreeze()


def test_a_process_that_has_not_opted_in_keeps_nothing(leaving):
    built = _Built()
    alive = weakref.ref(built)
    teardown.keep_until_exit(built)
    del built
    assert alive() is None and teardown.kept() == 0


def test_a_process_leaving_without_teardown_keeps_them_and_the_collector_skips_them(leaving):
    teardown.exiting_without_teardown()
    built = _Built()
    alive = weakref.ref(built)
    teardown.keep_until_exit(built)
    del built
    assert alive() is not None and teardown.kept() == 1
    assert gc.get_freeze_count() > 0


@pytest.fixture(scope="module")
def inputs(small_agency, agency_policy):
    from smartalloc.adapters.input_reader import ExcelInputReader
    from smartalloc.entrypoints.inputs import resolve_inputs

    return ExcelInputReader().read(resolve_inputs(small_agency.out_dir), agency_policy)


@pytest.mark.parametrize("opted_in", [False, True])
def test_a_run_hands_over_its_objects_only_where_the_process_opted_in(
        leaving, inputs, agency_policy, opted_in):
    if opted_in:
        teardown.exiting_without_teardown()
    history = MemoryHistory()
    result = run_allocation(
        RunRequest(InputPaths(Path("i.xlsx"), Path("s.xlsx"), Path("st.xlsx")), agency_policy,
                   Path("/nonexistent/out"), now="1404-09-15"),
        reader=MemoryReader(inputs), writer=RecordingWriter(history.journal), history=history)
    assert result.qa_status == "PASSED_QA"
    held = [obj for objects in teardown._kept for obj in objects]
    if not opted_in:
        assert held == []
        return
    # the batch and the inputs, the two largest things a run holds, are among them
    assert any(getattr(obj, "decisions", None) is not None
               and len(obj.decisions) == len(inputs.students.records) for obj in held)
    assert any(obj is inputs or getattr(obj, "students", None) is inputs.students
               for obj in held)
