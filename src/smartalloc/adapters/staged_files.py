"""The workbooks of one run, written (or being written) into the run's own hidden folder.

A run's files are staged in a folder of their own (``publication``), some by forked writer
children in the background, some by the run's process at ``finish``; ``finish`` waits for all
of them and seals the folder, ``publish`` swaps it in, ``discard`` removes it. Writers that
already run and wait for their last sheets are reached through their ``SheetFeed``.
"""

from __future__ import annotations

import shutil
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path

from smartalloc.adapters.parallel import Background, Job, run_here, wait_all
from smartalloc.adapters.publication import PARTIAL, OutputFolder, fsync_path
from smartalloc.adapters.sheet_feed import SheetFeed
from smartalloc.domain.errors import OutputError
from smartalloc.domain.tables import Table
from smartalloc.service_layer.ports import OUTPUT_FILES
from smartalloc.service_layer.progress import step

LEGACY_STAGING = ".staging-"   # the layout before one-swap publication (issue H)


def sweep_legacy_staging(out_dir: Path) -> None:
    """Staging folders the earlier layout left when killed: never published, and no process of
    this version writes them."""
    for folder in out_dir.glob(f"{LEGACY_STAGING}*"):
        shutil.rmtree(folder, ignore_errors=True)


def durable(path: Path, write: Callable[[], object]) -> Callable[[], None]:
    """A write job that also flushes its file to disk, in the process that wrote it: the
    flushes of the two writers overlap instead of queueing at the seal."""
    def job() -> None:
        write()
        fsync_path(path)
        step("file", item=path.name)    # the run's page counts the files written
    return job


def table_cells(tables: Sequence[Table]) -> int:
    """A workbook's cost, as ``parallel`` weighs jobs: its cells."""
    return sum(len(t.rows) * len(t.columns) for t in tables)


def new_run(out_dir: Path, names: Mapping[str, str]) -> tuple[OutputFolder, Path, Path, Path]:
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
