"""Stage every output workbook in a hidden folder, then publish them all at once.

Publication is a few same-filesystem renames done inside the history transaction, so an
operator never finds a half-written set: either every workbook of the run is there, or none.
"""

from __future__ import annotations

import os
import shutil
import socket
import tempfile
from collections.abc import Callable, Mapping
from pathlib import Path

from smartalloc.adapters.explain_file import write_explain_file
from smartalloc.adapters.matrix_workbook import write_matrix_csv, write_matrix_workbook
from smartalloc.adapters.parallel import Background, Job, run_jobs, start_background
from smartalloc.adapters.qa_workbook import write_qa_workbook
from smartalloc.adapters.sabt_workbook import write_sabt_workbook
from smartalloc.adapters.xlsx_writer import Sheet, write_workbook
from smartalloc.domain.contracts import MATRIX_COLUMNS
from smartalloc.domain.eligibility import EligibilityMatrix
from smartalloc.domain.errors import OutputError
from smartalloc.domain.policy import Policy
from smartalloc.service_layer.ports import OUTPUT_FILES, RunOutputs

STAGING_PREFIX = ".staging-"
OWNER_FILE = ".owner"


def _owner() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def sweep_abandoned_staging(out_dir: Path) -> list[Path]:
    """Remove the staging folders of runs whose process died (killed mid-write): they were
    never published. A folder of a live process, or of another machine, is left alone."""
    removed = []
    host = socket.gethostname()
    for folder in out_dir.glob(f"{STAGING_PREFIX}*"):
        try:
            owner_host, pid = (folder / OWNER_FILE).read_text("utf-8").rsplit(":", 1)
            abandoned = owner_host == host and not _alive(int(pid))
        except (OSError, ValueError):
            continue   # no owner yet (being created) or unreadable: not ours to judge
        if abandoned:
            shutil.rmtree(folder, ignore_errors=True)
            removed.append(folder)
    return removed


class StagedFiles:
    """Workbooks written (or being written) into a hidden staging folder of ``out_dir``."""

    def __init__(self, staging: Path, out_dir: Path, files: list[Path],
                 background: Background | None = None):
        self.staging, self.out_dir, self.files = staging, out_dir, files
        self.background = background
        self.published: list[Path] = []

    def wait(self) -> None:
        if self.background is not None:
            background, self.background = self.background, None
            background.wait()

    def publish(self) -> list[Path]:
        self.wait()
        try:
            for f in self.files:
                target = self.out_dir / f.name
                os.replace(f, target)
                self.published.append(target)
        except OSError:
            self._retract()  # a partial set must not stay behind
            raise
        finally:
            shutil.rmtree(self.staging, ignore_errors=True)
        return list(self.published)

    def discard(self) -> None:
        """Undo everything: the staging folder, and the published files too when the failure
        came after publication (the history transaction could not commit)."""
        try:
            self.wait()
        except OutputError:
            pass
        finally:
            shutil.rmtree(self.staging, ignore_errors=True)
            self._retract()

    def _retract(self) -> None:
        for target in self.published:
            target.unlink(missing_ok=True)
        self.published.clear()


class ExcelOutputWriter:
    """``OutputWriter`` port. ``start`` writes the matrix workbook (in a child process while
    the parent allocates, for a large run); ``finish`` writes the rest on two cores."""

    def start(self, out_dir: Path, matrix: EligibilityMatrix, meta: Mapping[str, object],
              policy: Policy, names: Mapping[str, str] = OUTPUT_FILES) -> StagedFiles:
        out_dir = Path(out_dir)
        out_dir.mkdir(parents=True, exist_ok=True)
        sweep_abandoned_staging(out_dir)
        staging = Path(tempfile.mkdtemp(prefix=STAGING_PREFIX, dir=out_dir))
        (staging / OWNER_FILE).write_text(_owner(), "utf-8")
        workbook, csv_path = staging / names["matrix"], staging / names["matrix_csv"]
        cells = len(matrix.rows) * len(MATRIX_COLUMNS)
        jobs: list[Job] = [
            (workbook.name, cells, lambda: write_matrix_workbook(workbook, matrix, policy, meta)),
            (csv_path.name, cells // 3, lambda: write_matrix_csv(csv_path, matrix)),
        ]
        try:
            background = start_background(jobs)
        except BaseException:
            shutil.rmtree(staging, ignore_errors=True)
            raise
        return StagedFiles(staging, out_dir, [workbook, csv_path], background)

    def finish(self, staged: StagedFiles, outputs: RunOutputs, policy: Policy,
               alongside: Callable[[], object] | None = None) -> StagedFiles:
        jobs = self._jobs(staged, outputs, policy)
        try:
            run_jobs(jobs, alongside=alongside)
            staged.wait()
        except BaseException:
            staged.discard()
            raise
        return staged

    @staticmethod
    def _jobs(staged: StagedFiles, outputs: RunOutputs, policy: Policy) -> list[Job]:
        """A write job for each output present in ``outputs``."""
        names, jobs = outputs.files, []

        def add(key: str, cost: int, work) -> None:
            path = staged.staging / names[key]
            staged.files.append(path)
            jobs.append((names[key], cost, lambda: work(path)))

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
        if outputs.trace is not None:
            trace = outputs.trace
            # built and written in the job: about as costly as 80 cells per student
            students = len(outputs.sabt.rows) if outputs.sabt is not None else 0
            add("explain", students * 80 + 1_000, lambda p: write_explain_file(p, trace()))
        return jobs
