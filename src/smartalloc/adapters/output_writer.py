"""Stage every output workbook in a hidden folder, then publish them all at once.

Publication is a few same-filesystem renames done inside the history transaction, so an
operator never finds a half-written set: either every workbook of the run is there, or none.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path

from smartalloc.adapters.matrix_workbook import write_matrix_csv, write_matrix_workbook
from smartalloc.adapters.parallel import Job, run_jobs
from smartalloc.adapters.qa_workbook import write_qa_workbook
from smartalloc.adapters.sabt_workbook import write_sabt_workbook
from smartalloc.adapters.xlsx_writer import Sheet, write_workbook
from smartalloc.domain.contracts import MATRIX_COLUMNS
from smartalloc.domain.policy import Policy
from smartalloc.service_layer.ports import RunOutputs


class StagedFiles:
    def __init__(self, staging: Path, out_dir: Path, files: list[Path]):
        self.staging, self.out_dir, self.files = staging, out_dir, files

    def publish(self) -> list[Path]:
        published: list[Path] = []
        try:
            for f in self.files:
                target = self.out_dir / f.name
                os.replace(f, target)
                published.append(target)
        except OSError:
            for target in published:  # undo: a partial set must not stay behind
                target.unlink(missing_ok=True)
            raise
        finally:
            shutil.rmtree(self.staging, ignore_errors=True)
        return published

    def discard(self) -> None:
        shutil.rmtree(self.staging, ignore_errors=True)


class ExcelOutputWriter:
    """``OutputWriter`` port: the four workbooks of a run (only the matrix for `matrix`),
    written on two cores when the run is large."""

    def stage(self, out_dir: Path, outputs: RunOutputs, policy: Policy) -> StagedFiles:
        out_dir = Path(out_dir)
        out_dir.mkdir(parents=True, exist_ok=True)
        staging = Path(tempfile.mkdtemp(prefix=".staging-", dir=out_dir))
        names, files = outputs.files, []
        jobs: list[Job] = []

        def add(key: str, cost: int, work) -> None:
            path = staging / names[key]
            files.append(path)
            jobs.append((names[key], cost, lambda: work(path)))

        matrix_cells = len(outputs.matrix.rows) * len(MATRIX_COLUMNS)
        add("matrix", matrix_cells,
            lambda p: write_matrix_workbook(p, outputs.matrix, policy, outputs.meta))
        add("matrix_csv", matrix_cells // 3, lambda p: write_matrix_csv(p, outputs.matrix))
        if outputs.allocation_tables:
            sheets = [Sheet(t.name, t.columns, t.rows, policy.excel.right_to_left)
                      for t in outputs.allocation_tables]
            cells = sum(len(t.rows) * len(t.columns) for t in outputs.allocation_tables)
            add("allocation", cells, lambda p: write_workbook(
                p, sheets, font_name=policy.excel.font_name, font_size=policy.excel.font_size))
        if outputs.sabt is not None:
            sabt = outputs.sabt
            add("sabt", len(sabt.rows) * len(sabt.columns),
                lambda p: write_sabt_workbook(p, sabt, policy))
        if outputs.qa is not None:
            qa = outputs.qa
            add("qa", 1_000, lambda p: write_qa_workbook(p, qa, outputs.meta))
        try:
            run_jobs(jobs)
        except BaseException:
            shutil.rmtree(staging, ignore_errors=True)
            raise
        return StagedFiles(staging, out_dir, files)
