"""An agency read, allocated and reported in process, without writing anything: the matrix and
the run's outputs that the writer tests hand to ``ExcelOutputWriter``."""

from __future__ import annotations

from pathlib import Path

from smartalloc.adapters.input_reader import ExcelInputReader
from smartalloc.domain.batch import allocate_batch
from smartalloc.domain.eligibility import EligibilityMatrix
from smartalloc.domain.policy import Policy
from smartalloc.domain.qa import run_pre_qa
from smartalloc.entrypoints.inputs import resolve_inputs
from smartalloc.service_layer.ports import RunOutputs
from smartalloc.service_layer.run_context import build_matrix_for
from smartalloc.service_layer.run_reports import RunRequest, build_reports


def decided(agency: Path, policy: Policy, out: Path) -> tuple[EligibilityMatrix, RunOutputs]:
    """The matrix and the outputs of a run of ``agency`` (``out``: named by the request only)."""
    paths = resolve_inputs(agency)
    inputs = ExcelInputReader().read(paths, policy)
    matrix = build_matrix_for(inputs, policy)
    batch = allocate_batch(inputs.students.records, matrix, policy, roster=inputs.roster)
    request = RunRequest(paths, policy, out, now="1404-01-01")
    outputs, _, _ = build_reports(request, inputs, matrix, run_pre_qa(matrix), batch, {})
    return matrix, outputs
