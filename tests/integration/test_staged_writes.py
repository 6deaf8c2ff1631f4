"""Writing ImportToSabt early (``stage``, while the other reports are computed) gives the same
files as writing everything at the end, writes nothing twice, and a failure while staging
leaves nothing behind."""

from __future__ import annotations

import pytest

from smartalloc.adapters import output_writer, parallel
from smartalloc.adapters.input_reader import ExcelInputReader
from smartalloc.adapters.output_writer import ExcelOutputWriter
from smartalloc.domain.batch import allocate_batch
from smartalloc.entrypoints.inputs import resolve_inputs
from smartalloc.service_layer.ports import RunOutputs
from smartalloc.service_layer.run_allocation import RunRequest, build_reports
from smartalloc.service_layer.run_context import build_matrix_for


@pytest.fixture(scope="module")
def decided(small_agency, policy, tmp_path_factory):
    paths = resolve_inputs(small_agency.out_dir)
    inputs = ExcelInputReader().read(paths, policy)
    matrix = build_matrix_for(inputs, policy)
    batch = allocate_batch(inputs.students.records, matrix, policy, roster=inputs.roster)
    request = RunRequest(paths, policy, tmp_path_factory.mktemp("unused"), now="1404-01-01")
    outputs, _, _ = build_reports(request, inputs, matrix, "PASSED_QA", batch, {})
    return matrix, outputs


def _write(out, matrix, outputs, policy, *, early: bool, monkeypatch, forks: str):
    monkeypatch.setenv("SMARTALLOC_WRITE_PROCESSES", forks)
    monkeypatch.setattr(parallel, "MIN_PARALLEL_COST", 0)     # fork even for small work
    writer = ExcelOutputWriter()
    staged = writer.start(out, matrix, {"policy_stamp": policy.stamp}, policy)
    if early:
        writer.stage(staged, RunOutputs(meta={}, sabt=outputs.sabt), policy)
    writer.finish(staged, outputs, policy)
    names = [f.name for f in staged.files]
    staged.publish()
    return names


@pytest.mark.parametrize("forks", ["1", "2"])
def test_staging_sabt_early_gives_the_same_files(decided, policy, tmp_path, monkeypatch, forks):
    matrix, outputs = decided
    late = _write(tmp_path / "late", matrix, outputs, policy, early=False,
                  monkeypatch=monkeypatch, forks=forks)
    early = _write(tmp_path / "early", matrix, outputs, policy, early=True,
                   monkeypatch=monkeypatch, forks=forks)
    assert sorted(early) == sorted(late) and len(set(early)) == len(early)
    for name in late:
        assert (tmp_path / "early" / name).read_bytes() == (tmp_path / "late" / name).read_bytes()


def test_a_failure_while_staging_leaves_nothing(decided, policy, tmp_path, monkeypatch):
    matrix, outputs = decided

    def broken(path, export, policy):
        path.write_bytes(b"half")
        raise OSError("disk full")

    monkeypatch.setattr(output_writer, "write_sabt_workbook", broken)
    writer = ExcelOutputWriter()
    staged = writer.start(tmp_path, matrix, {"policy_stamp": policy.stamp}, policy)
    with pytest.raises(OSError, match="disk full"):
        writer.stage(staged, RunOutputs(meta={}, sabt=outputs.sabt), policy)
    assert list(tmp_path.iterdir()) == []


def test_a_killed_runs_staging_folder_is_swept_by_the_next_run(decided, policy, tmp_path):
    """A run killed mid-write leaves its hidden staging folder; the next run in that folder
    removes it (its process is gone) but never a live process's."""
    import subprocess
    import sys

    matrix, outputs = decided
    writer = ExcelOutputWriter()
    live = writer.start(tmp_path, matrix, {"policy_stamp": policy.stamp}, policy)
    dead = tmp_path / f"{output_writer.STAGING_PREFIX}killed"
    dead.mkdir()
    (dead / "import_to_sabt.xlsx").write_bytes(b"half-written")
    gone = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"],
                          capture_output=True, text=True, check=True).stdout.strip()
    (dead / output_writer.OWNER_FILE).write_text(f"{output_writer._owner().split(':')[0]}:{gone}")
    foreign = tmp_path / f"{output_writer.STAGING_PREFIX}other-host"
    foreign.mkdir()
    (foreign / output_writer.OWNER_FILE).write_text(f"elsewhere:{gone}")

    later = writer.start(tmp_path, matrix, {"policy_stamp": policy.stamp}, policy)
    assert not dead.exists()
    assert live.staging.exists() and foreign.exists()
    writer.finish(later, outputs, policy)
    later.publish()
    live.discard()
    assert sorted(p.name for p in tmp_path.iterdir() if not p.name.startswith(".")) == sorted(
        f.name for f in later.published)
