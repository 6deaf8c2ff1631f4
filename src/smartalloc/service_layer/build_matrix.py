"""Use case: build and write only the eligibility matrix workbook (+ CSV)."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

from smartalloc.domain.policy import Policy
from smartalloc.domain.qa import run_pre_qa
from smartalloc.service_layer.ports import InputPaths, InputReader, OutputWriter
from smartalloc.service_layer.run_context import build_matrix_for, matrix_meta


def run_matrix_only(paths: InputPaths, policy: Policy, out_dir: Path, *, reader: InputReader,
                    writer: OutputWriter, overrides: Mapping[str, bool] | None = None) -> list[Path]:
    """Build and write only the eligibility matrix workbook (+ CSV). Nothing is recorded, so
    the folder is published as soon as it is written."""
    writer.recover(out_dir)
    inputs = reader.read(paths, policy)
    matrix = build_matrix_for(inputs, policy, overrides)
    meta = matrix_meta(inputs, policy, run_pre_qa(matrix).status)
    staged = writer.start(out_dir, matrix, meta, policy)
    try:
        staged.finish()
    except BaseException:
        staged.discard()
        raise
    return staged.publish()
