"""Write every output workbook into the run's own hidden folder; publish them with one swap.

The layout and the swap are ``publication``'s: the operator's folder shows either every
workbook of the run or the previous run's, never a part or a mix, and the service layer
publishes only after the history commit.
"""

from __future__ import annotations

import shutil
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path

from smartalloc.adapters.allocation_workbook import (
    write_allocation_workbook,
    write_allocation_workbook_then,
)
from smartalloc.adapters.explain_file import write_explain_file
from smartalloc.adapters.matrix_workbook import (
    SHEET_NAMES,
    matrix_cells,
    side_sheets,
    write_matrix_csv,
    write_matrix_workbook,
    write_matrix_workbook_then,
)
from smartalloc.adapters.parallel import (
    EARLY_WRITER_NICENESS,
    MIN_PARALLEL_COST,
    Background,
    Job,
    parallel_enabled,
    run_here,
    start_background,
    start_shares,
    wait_all,
)
from smartalloc.adapters.publication import PARTIAL, CommittedFn, OutputFolder, fsync_path
from smartalloc.adapters.qa_workbook import write_qa_workbook
from smartalloc.adapters.sabt_workbook import write_sabt_workbook
from smartalloc.adapters.sheet_feed import SheetFeed
from smartalloc.domain.contracts import MATRIX_COLUMNS
from smartalloc.domain.eligibility import EligibilityMatrix, MatrixRow
from smartalloc.domain.errors import OutputError
from smartalloc.domain.policy import Policy
from smartalloc.domain.sabt import SabtExport
from smartalloc.domain.tables import Table
from smartalloc.service_layer.ports import OUTPUT_FILES, RunOutputs
from smartalloc.service_layer.progress import step

LEGACY_STAGING = ".staging-"   # the layout before one-swap publication (issue H)


def _sweep_legacy_staging(out_dir: Path) -> None:
    """Staging folders the earlier layout left when killed: never published, and no process of
    this version writes them."""
    for folder in out_dir.glob(f"{LEGACY_STAGING}*"):
        shutil.rmtree(folder, ignore_errors=True)


def _durable(path: Path, write: Callable[[], object]) -> Callable[[], None]:
    """A write job that also flushes its file to disk, in the process that wrote it: the
    flushes of the two writers overlap instead of queueing at the seal."""
    def job() -> None:
        write()
        fsync_path(path)
        step("file", item=path.name)    # the run's page counts the files written
    return job


def _cells(tables: Sequence[Table]) -> int:
    """A workbook's cost, as ``parallel`` weighs jobs: its cells."""
    return sum(len(t.rows) * len(t.columns) for t in tables)


def _new_run(out_dir: Path, names: Mapping[str, str]) -> tuple[OutputFolder, Path, Path, Path]:
    """The run's own new folder in ``out_dir``, and its matrix workbook's and CSV's paths."""
    folder = OutputFolder(Path(out_dir))
    folder.out.mkdir(parents=True, exist_ok=True)
    staging = folder.new_run()
    return folder, staging, staging / names["matrix"], staging / names["matrix_csv"]


class StagedFiles:
    """Workbooks written (or being written) into the run's own folder of ``out_dir``: some by
    forked children in the background, the rest (``pending``) by this process at ``finish``."""

    def __init__(self, folder: OutputFolder, staging: Path, files: list[Path],
                 background: Background | None = None):
        self.folder, self.staging, self.files = folder, staging, files
        self.background: list[Background] = [background] if background is not None else []
        self.pending: list[Job] = []
        self.sealed: Path | None = None
        self.failed: OutputError | None = None
        self.published: list[Path] = []
        # writers already running that wait for their last sheets: output → (feed, names)
        self.feeds: dict[str, tuple[SheetFeed, tuple[str, ...]]] = {}
        self.started: set[str] = set()        # outputs already being written (``write_sabt``)

    @property
    def name(self) -> str:
        """The run folder's name (once sealed): what the history records, so that a run killed
        between its commit and its publication is published at the next start."""
        return self.staging.name.removesuffix(PARTIAL)

    @property
    def location(self) -> str:
        """Where the run's workbooks stay (the sealed folder), as recorded with the run."""
        return str(self.folder.runs / self.name)

    def wait(self) -> None:
        """Join every background writer (``wait_all``: all of them, even when one failed)."""
        wait_all(self.background)

    def finish(self) -> None:
        """Write this process's share, wait for every writer, then make the files durable and
        the folder complete."""
        if self.failed is not None:
            raise self.failed      # a folder that missed a workbook is never sealed
        if self.sealed is not None:
            return
        try:
            try:
                run_here(self.pending)
            finally:
                self.pending.clear()
                self.wait()
        except OutputError as exc:
            self.failed = exc
            raise
        self.sealed = self.folder.seal(self.staging)   # each job flushed its own file
        self.files = [self.sealed / f.name for f in self.files]

    def publish(self) -> list[Path]:
        self.finish()
        self.published = self.folder.publish(self.sealed, OUTPUT_FILES.values())
        return list(self.published)

    def send(self, output: str, sheets: Sequence) -> None:
        """The last sheets of ``output``, whose writer already runs and waits for them;
        refused unless they are the ones it awaits, by name and order (a programming error:
        the message names sheets, never a cell)."""
        feed, awaited = self.feeds[output]
        if (given := tuple(sheet.name for sheet in sheets)) != awaited:
            raise ValueError(f"{output} waits for the sheets {awaited}, not {given}")
        feed.send(sheets)
        del self.feeds[output]   # sent (until then ``discard`` would close it)

    def discard(self) -> None:
        """Remove the run's folder: nothing of it was (or will be) published."""
        self.pending.clear()
        for feed, _ in self.feeds.values():   # writers wait for sheets that will not come
            feed.close()
        self.feeds.clear()
        try:
            self.wait()
        except OutputError:
            pass
        finally:
            if not self.published:
                self.folder.discard(self.sealed or self.staging)


class ExcelOutputWriter:
    """``OutputWriter`` port. On two cores ``start_matrix`` starts the matrix workbook and CSV
    in a child before the students are read and ``start`` completes them; otherwise ``start``
    writes them (in a child while the parent allocates, for a large run). ``start_allocation``
    and ``write_sabt`` start allocation.xlsx (but its last sheets) and the ImportToSabt
    workbook while the other reports are built, ``write`` the rest (allocation.xlsx's last
    sheets through its feed), and ``StagedFiles.finish`` completes them and seals the run's
    folder."""

    def recover(self, out_dir: Path, committed: CommittedFn | None = None) -> list[str]:
        """Finish the publication a killed run left in ``out_dir`` (see ``publication``)."""
        out_dir = Path(out_dir)
        if not out_dir.is_dir():
            return []
        _sweep_legacy_staging(out_dir)
        return OutputFolder(out_dir).recover(committed, OUTPUT_FILES.values())

    def start_matrix(self, out_dir: Path, rows: Sequence[MatrixRow],
                     policy: Policy, names: Mapping[str, str] = OUTPUT_FILES
                     ) -> StagedFiles | None:
        """Start the matrix workbook and CSV before the students are read, in a child that
        writes the drafted ``rows`` (its copy of them, from the fork) and waits at the
        workbook's side sheets for ``start(..., early=...)``. None, and nothing started, on one
        core (``start`` writes it all then). Forked whatever the matrix's size: a fork costs
        milliseconds, and it keeps one path for every run on two cores."""
        if not parallel_enabled():
            return None
        folder, staging, workbook, csv_path = _new_run(out_dir, names)
        feed: SheetFeed | None = None
        try:
            feed = SheetFeed(staging)
            cells = matrix_cells(rows)   # rendered once, in the child, for both files
            jobs: list[Job] = [
                ("matrix feed", 0, feed.child_side),
                (csv_path.name, 0, _durable(csv_path, lambda: write_matrix_csv(
                    csv_path, cells))),
                (workbook.name, 0, _durable(workbook, lambda: write_matrix_workbook_then(
                    workbook, cells, policy, feed.receive))),
            ]
            background = Background(jobs, fork=True, niceness=EARLY_WRITER_NICENESS)
        except BaseException:
            if feed is not None:
                feed.close()
            folder.discard(staging)
            raise
        staged = StagedFiles(folder, staging, [workbook, csv_path], background)
        staged.feeds["matrix"] = (feed, tuple(SHEET_NAMES[1:]))
        return staged

    def start(self, out_dir: Path, matrix: EligibilityMatrix, meta: Mapping[str, object],
              policy: Policy, names: Mapping[str, str] = OUTPUT_FILES,
              early: StagedFiles | None = None) -> StagedFiles:
        if early is not None and "matrix" in early.feeds:   # its child waits for these
            early.send("matrix", side_sheets(matrix, policy, meta))
            return early
        folder, staging, workbook, csv_path = _new_run(out_dir, names)
        cost, cells = len(matrix.rows) * len(MATRIX_COLUMNS), matrix_cells(matrix.rows)
        jobs: list[Job] = [   # one process writes both (``start_background``): rendered once
            (workbook.name, cost, _durable(workbook, lambda: write_matrix_workbook(
                workbook, matrix, policy, meta, cells))),
            (csv_path.name, cost // 3, _durable(csv_path, lambda: write_matrix_csv(
                csv_path, cells))),
        ]
        try:
            background = start_background(jobs)
        except BaseException:
            folder.discard(staging)
            raise
        return StagedFiles(folder, staging, [workbook, csv_path], background)

    def write_sabt(self, staged: StagedFiles, sabt: SabtExport, policy: Policy) -> None:
        """Start the ImportToSabt workbook now, in a child for a large run: it needs nothing
        but the export, and the second core is free while the other reports are built."""
        jobs = self._jobs(staged, RunOutputs(meta={}, sabt=sabt), policy)
        staged.background.append(start_background(jobs))
        staged.started.add("sabt")

    def start_allocation(self, staged: StagedFiles, tables: Sequence[Table],
                         later: Sequence[str], policy: Policy,
                         names: Mapping[str, str] = OUTPUT_FILES) -> None:
        """Start allocation.xlsx now with its first sheets (``tables``), in a child for a large
        run on two cores: the sheets named ``later`` (capacity plan, meta) follow QA and reach
        it at ``write``. Otherwise nothing now: ``write`` writes the workbook whole."""
        cost = _cells(tables)
        if not parallel_enabled() or cost < MIN_PARALLEL_COST:
            return
        path, feed = staged.staging / names["allocation"], SheetFeed(staged.staging)
        sheet_names = [*(t.name for t in tables), *later]
        jobs: list[Job] = [
            ("allocation feed", 0, feed.child_side),
            (path.name, cost, _durable(path, lambda: write_allocation_workbook_then(
                path, tables, sheet_names, policy, feed.receive)))]
        try:
            staged.background.append(Background(jobs, fork=True))
        except BaseException:
            feed.close()
            raise
        staged.files.append(path)
        staged.started.add("allocation")
        staged.feeds["allocation"] = (feed, tuple(later))

    def write(self, staged: StagedFiles, outputs: RunOutputs, policy: Policy) -> None:
        """Start the remaining workbooks in two children now, beside the caller's database
        work (small runs: left to ``staged.finish``, in this process)."""
        jobs = self._jobs(staged, outputs, policy)
        step("files", total=len(staged.files))
        children, mine = start_shares(jobs)
        staged.background.extend(children)
        staged.pending.extend(mine)

    @staticmethod
    def _jobs(staged: StagedFiles, outputs: RunOutputs, policy: Policy) -> list[Job]:
        """A write job for each output present in ``outputs``."""
        names, jobs = outputs.files, []

        def add(key: str, cost: int, work) -> None:
            path = staged.staging / names[key]
            staged.files.append(path)
            jobs.append((names[key], cost, _durable(path, lambda: work(path))))

        tables = outputs.allocation_tables
        if tables and "allocation" in staged.feeds:   # its writer waits for the last sheets
            _, later = staged.feeds["allocation"]
            staged.send("allocation", tables[len(tables) - len(later):])
        elif tables and "allocation" not in staged.started:
            add("allocation", _cells(tables), lambda p: write_allocation_workbook(p, tables, policy))
        if outputs.sabt is not None and "sabt" not in staged.started:
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
            add("explain", students * 80 + 1_000,
                lambda p: write_explain_file(p, trace(), outputs.results))
        return jobs
