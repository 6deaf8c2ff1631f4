"""The hidden staging folder of a run killed mid-write is swept by the next run in that folder,
never a live process's or another machine's."""

from __future__ import annotations

import pytest

from smartalloc.adapters import output_writer
from smartalloc.adapters.input_reader import ExcelInputReader
from smartalloc.adapters.output_writer import ExcelOutputWriter
from smartalloc.domain.batch import allocate_batch
from smartalloc.entrypoints.inputs import resolve_inputs
from smartalloc.service_layer.run_context import build_matrix_for
from smartalloc.service_layer.run_reports import RunRequest, build_reports


@pytest.fixture(scope="module")
def decided(small_agency, policy, tmp_path_factory):
    paths = resolve_inputs(small_agency.out_dir)
    inputs = ExcelInputReader().read(paths, policy)
    matrix = build_matrix_for(inputs, policy)
    batch = allocate_batch(inputs.students.records, matrix, policy, roster=inputs.roster)
    request = RunRequest(paths, policy, tmp_path_factory.mktemp("unused"), now="1404-01-01")
    outputs, _, _ = build_reports(request, inputs, matrix, "PASSED_QA", batch, {})
    return matrix, outputs


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
