"""The matrix files started before the students are read (issue P): a forked child writes the
CSV and the matrix sheet from the mentors' side, drafted, then waits for the side sheets,
which count the students. Completed, its files are the plain path's to the byte; stopped, it
leaves no folder and no child."""

from __future__ import annotations

import pytest

from smartalloc.adapters.input_reader import ExcelInputReader
from smartalloc.adapters.output_writer import ExcelOutputWriter
from smartalloc.entrypoints.inputs import resolve_inputs
from smartalloc.service_layer.run_context import build_matrix_for, draft_matrix_for
from tests.children import reaped


@pytest.fixture
def two_cores(monkeypatch):
    monkeypatch.setenv("SMARTALLOC_WRITE_PROCESSES", "2")


@pytest.fixture
def read(small_agency, agency_policy):
    inputs = ExcelInputReader().read(resolve_inputs(small_agency.out_dir), agency_policy)
    return inputs, build_matrix_for(inputs, agency_policy)


def _files(staged) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in staged.files}


def test_the_early_matrix_files_are_the_plain_ones(read, agency_policy, tmp_path, two_cores):
    inputs, matrix = read
    meta = {"policy_stamp": agency_policy.stamp, "pre_qa_status": "PASSED"}
    writer = ExcelOutputWriter()
    plain = writer.start(tmp_path / "plain", matrix, meta, agency_policy)
    plain.finish()

    rows = draft_matrix_for(inputs, agency_policy).rows
    early = writer.start_matrix(tmp_path / "early", rows, agency_policy)
    assert early is not None and "matrix" in early.feeds
    assert writer.start(tmp_path / "early", matrix, meta, agency_policy, early=early) is early
    early.finish()
    assert _files(early) == _files(plain) and len(_files(plain)) == 2


def test_a_run_stopped_before_the_side_sheets_leaves_no_folder_or_child(
        read, agency_policy, tmp_path, two_cores):
    inputs, _ = read
    early = ExcelOutputWriter().start_matrix(
        tmp_path / "out", draft_matrix_for(inputs, agency_policy).rows, agency_policy)
    child = early.background[0].pid
    early.discard()                           # the child waited for sheets that never came
    assert reaped(child)
    assert [p for p in (tmp_path / "out").rglob("*") if p.is_file()] == []


def test_one_core_starts_nothing_early(agency_policy, tmp_path, monkeypatch):
    monkeypatch.setenv("SMARTALLOC_WRITE_PROCESSES", "1")
    assert ExcelOutputWriter().start_matrix(tmp_path, (), agency_policy) is None
    assert not (tmp_path / ".smartalloc").exists()
