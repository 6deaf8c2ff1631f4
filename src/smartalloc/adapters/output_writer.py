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
from smartalloc.adapters.qa_workbook import write_qa_workbook
from smartalloc.adapters.sabt_workbook import write_sabt_workbook
from smartalloc.adapters.xlsx_writer import Sheet, write_workbook
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
    """``OutputWriter`` port: the four workbooks of a run (only the matrix for `matrix`)."""

    def stage(self, out_dir: Path, outputs: RunOutputs, policy: Policy) -> StagedFiles:
        out_dir = Path(out_dir)
        out_dir.mkdir(parents=True, exist_ok=True)
        staging = Path(tempfile.mkdtemp(prefix=".staging-", dir=out_dir))
        names = outputs.files
        files: list[Path] = []
        try:
            path = staging / names["matrix"]
            write_matrix_workbook(path, outputs.matrix, policy, outputs.meta)
            files.append(path)
            path = staging / names["matrix_csv"]
            write_matrix_csv(path, outputs.matrix)
            files.append(path)
            if outputs.allocation_tables:
                path = staging / names["allocation"]
                sheets = [Sheet(t.name, t.columns, t.rows, policy.excel.right_to_left)
                          for t in outputs.allocation_tables]
                write_workbook(path, sheets, font_name=policy.excel.font_name,
                               font_size=policy.excel.font_size)
                files.append(path)
            if outputs.sabt is not None:
                path = staging / names["sabt"]
                write_sabt_workbook(path, outputs.sabt, policy)
                files.append(path)
            if outputs.qa is not None:
                path = staging / names["qa"]
                write_qa_workbook(path, outputs.qa, outputs.meta)
                files.append(path)
        except BaseException:
            shutil.rmtree(staging, ignore_errors=True)
            raise
        return StagedFiles(staging, out_dir, files)
