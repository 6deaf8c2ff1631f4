"""Write every output workbook into the run's own hidden folder; publish them with one swap.

The layout and the swap are ``publication``'s: the operator's folder shows either every
workbook of the run or the previous run's, never a part or a mix, and the service layer
publishes only after the history commit.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
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
    start_background,
    start_shares,
)
from smartalloc.adapters.publication import CommittedFn, OutputFolder
from smartalloc.adapters.qa_workbook import write_qa_workbook
from smartalloc.adapters.sabt_workbook import write_sabt_workbook
from smartalloc.adapters.sheet_feed import SheetFeed
from smartalloc.adapters.staged_files import (
    StagedFiles,
    durable,
    new_run,
    sweep_legacy_staging,
    table_cells,
)
from smartalloc.domain.contracts import MATRIX_COLUMNS
from smartalloc.domain.eligibility import EligibilityMatrix, MatrixRow
from smartalloc.domain.policy import Policy
from smartalloc.domain.sabt import SabtExport
from smartalloc.domain.tables import Table
from smartalloc.service_layer.ports import OUTPUT_FILES, RunOutputs
from smartalloc.service_layer.progress import step


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
        sweep_legacy_staging(out_dir)
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
        folder, staging, workbook, csv_path = new_run(out_dir, names)
        feed: SheetFeed | None = None
        try:
            feed = SheetFeed(staging)
            cells = matrix_cells(rows)   # rendered once, in the child, for both files
            jobs: list[Job] = [
                ("matrix feed", 0, feed.child_side),
                (csv_path.name, 0, durable(csv_path, lambda: write_matrix_csv(
                    csv_path, cells))),
                (workbook.name, 0, durable(workbook, lambda: write_matrix_workbook_then(
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
        folder, staging, workbook, csv_path = new_run(out_dir, names)
        cost, cells = len(matrix.rows) * len(MATRIX_COLUMNS), matrix_cells(matrix.rows)
        jobs: list[Job] = [   # one process writes both (``start_background``): rendered once
            (workbook.name, cost, durable(workbook, lambda: write_matrix_workbook(
                workbook, matrix, policy, meta, cells))),
            (csv_path.name, cost // 3, durable(csv_path, lambda: write_matrix_csv(
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
        cost = table_cells(tables)
        if not parallel_enabled() or cost < MIN_PARALLEL_COST:
            return
        path, feed = staged.staging / names["allocation"], SheetFeed(staged.staging)
        sheet_names = [*(t.name for t in tables), *later]
        jobs: list[Job] = [
            ("allocation feed", 0, feed.child_side),
            (path.name, cost, durable(path, lambda: write_allocation_workbook_then(
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
            jobs.append((names[key], cost, durable(path, lambda: work(path))))

        tables = outputs.allocation_tables
        if tables and "allocation" in staged.feeds:   # its writer waits for the last sheets
            _, later = staged.feeds["allocation"]
            staged.send("allocation", tables[len(tables) - len(later):])
        elif tables and "allocation" not in staged.started:
            add("allocation", table_cells(tables),
                lambda p: write_allocation_workbook(p, tables, policy))
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
