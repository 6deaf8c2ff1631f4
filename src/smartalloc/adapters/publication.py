"""The output folder an operator opens shows one run's complete set at every instant.

Workbooks are never renamed into the folder one by one (a kill between two renames left a
partial set, or a mix of two runs). Each run writes into a folder of its own, and a single
symlink swap publishes it — the layout Kubernetes' ``AtomicWriter`` uses for mounted volumes::

    out/.smartalloc/runs/<name>.partial/    a run being written (its owner's pid and host in <name>)
    out/.smartalloc/runs/<name>/            written completely and fsynced: "sealed"
    out/.smartalloc/current -> runs/<name>  the published run; os.replace of this link publishes
    out/import_to_sabt.xlsx -> .smartalloc/current/import_to_sabt.xlsx   (one link per workbook)

A link per workbook keeps the names an operator knows; every visible name resolves through the
one ``current`` link, so a reader sees the old run or the new one, never both. The history
commit comes *between* sealing and the swap: no visible workbook holds a code the database
lacks. A kill between the commit and the swap leaves a sealed, committed folder that
``recover`` publishes at the next start (roll forward); unsealed or uncommitted folders of dead
processes are removed (roll back). Durability: files and folders are fsynced before the commit,
the folder holding ``current`` after the swap.
"""

from __future__ import annotations

import contextlib
import errno
import os
import secrets
import shutil
import socket
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from pathlib import Path

from smartalloc.domain.errors import OutputError, Problem

HIDDEN = ".smartalloc"
PARTIAL = ".partial"
CURRENT = "current"

# name of a sealed run folder → when its run was committed (ISO time), for those committed
CommittedFn = Callable[[Sequence[str]], Mapping[str, str]]


def fsync_path(path: Path) -> None:
    """Flush a file's or a folder's entries to disk (a folder: its renames and links)."""
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _may_judge(name: str) -> bool:
    """Whether run folder ``name`` is no longer being written, so it may be published or
    removed: its process is gone. A folder of this process counts once sealed (a ``.partial``
    one may be another thread's); a folder of another machine (a shared disk) never does."""
    try:
        _, pid, host = name.removesuffix(PARTIAL).split(".", 2)
        pid_number = int(pid)
    except ValueError:
        return False  # not one of ours: leave it alone
    if host != socket.gethostname():
        return False
    if pid_number == os.getpid():
        return not name.endswith(PARTIAL)
    try:
        os.kill(pid_number, 0)
    except ProcessLookupError:
        return True
    except PermissionError:
        return False
    return False


class OutputFolder:
    """The operator's output folder and the hidden run folders behind it."""

    def __init__(self, out_dir: Path):
        self.out = Path(out_dir)
        self.hidden = self.out / HIDDEN
        self.runs = self.hidden / "runs"
        self.current_link = self.hidden / CURRENT

    # --- one run ---------------------------------------------------------------------------
    def new_run(self) -> Path:
        """An empty ``.partial`` folder named for this process (no window without an owner)."""
        self.runs.mkdir(parents=True, exist_ok=True)
        stamp = time.strftime("%Y%m%dT%H%M%S", time.gmtime())
        name = f"{stamp}-{secrets.token_hex(4)}.{os.getpid()}.{socket.gethostname()}"
        path = self.runs / f"{name}{PARTIAL}"
        path.mkdir()
        return path

    def seal(self, partial: Path, unflushed: Iterable[Path] = ()) -> Path:
        """Make the folder durable — its entries and the ``unflushed`` files in it (a writer
        that flushed its own files passes none) — then mark it complete with one rename."""
        for f in unflushed:
            fsync_path(f)
        fsync_path(partial)
        sealed = partial.with_name(partial.name.removesuffix(PARTIAL))
        os.rename(partial, sealed)
        fsync_path(self.runs)
        return sealed

    def current(self) -> str | None:
        """The name of the published run folder, if any."""
        try:
            return Path(os.readlink(self.current_link)).name
        except (FileNotFoundError, OSError):
            return None

    def publish(self, sealed: Path, known: Iterable[str]) -> list[Path]:
        """Make ``sealed`` the visible run with one atomic swap; return the visible paths."""
        names = sorted(p.name for p in sealed.iterdir() if not p.name.startswith("."))
        try:
            if self.current() is None:
                self._adopt_loose_files(known)
            for name in names:
                self._link(self.out / name, f"{HIDDEN}/{CURRENT}/{name}")
            self._swap(f"runs/{sealed.name}")
        except OSError as exc:
            raise _publish_error(self.out, exc) from exc
        # Published. What follows tidies up; a failure here must not report the run unpublished.
        with contextlib.suppress(OSError):
            fsync_path(self.hidden)
            self._remove_dangling_links()
            fsync_path(self.out)
            self._remove_superseded()
        return [self.out / name for name in names]

    def discard(self, run: Path) -> None:
        """Remove a run folder that was not published; the hidden tree too once it is empty."""
        if run.name == self.current():
            return
        shutil.rmtree(run, ignore_errors=True)
        if self.current() is None:
            with contextlib.suppress(OSError):
                self.runs.rmdir()
                self.hidden.rmdir()

    # --- after a crash ---------------------------------------------------------------------
    def recover(self, committed: CommittedFn | None, known: Iterable[str]) -> list[str]:
        """Finish what a killed run left: publish the newest committed sealed folder (roll
        forward), remove unfinished or uncommitted ones of dead processes (roll back).
        Without ``committed`` (no database), sealed folders are left for a run that can judge.
        Returns what was done, for the run's warnings."""
        done: list[str] = []
        for stray in self.hidden.glob(f"{CURRENT}.*"):   # a swap killed before its rename
            stray.unlink(missing_ok=True)
        for stray in self.out.glob(".*.link"):
            stray.unlink(missing_ok=True)
        if not self.runs.is_dir():
            return done
        current = self.current()
        sealed: list[Path] = []
        for folder in sorted(self.runs.iterdir()):
            if folder.name == current or not _may_judge(folder.name):
                continue
            if folder.name.endswith(PARTIAL):
                shutil.rmtree(folder, ignore_errors=True)
                done.append("rolled_back")
            else:
                sealed.append(folder)
        if committed is None or not sealed:
            return done
        when = committed([f.name for f in sealed] + ([current] if current else []))
        newest = max((f for f in sealed if f.name in when), key=lambda f: when[f.name],
                     default=None)
        if newest is not None and (current not in when or when[newest.name] > when[current]):
            self.publish(newest, known)
            done.append("rolled_forward")
        shown = self.current()
        for folder in sealed:
            if folder.exists() and folder.name != shown:
                shutil.rmtree(folder, ignore_errors=True)
                done.append("rolled_back")
        return done

    # --- the steps -------------------------------------------------------------------------
    def _swap(self, target: str) -> None:
        """The publication: one rename of a new ``current`` link over the old one."""
        temporary = self.hidden / f"{CURRENT}.{secrets.token_hex(4)}"
        os.symlink(target, temporary)
        os.replace(temporary, self.current_link)

    def _link(self, path: Path, target: str) -> None:
        if path.is_symlink() and os.readlink(path) == target:
            return
        if path.is_dir() and not path.is_symlink():
            raise OSError(errno.EISDIR, "a folder has the name of an output", path.name)
        temporary = path.with_name(f".{path.name}.link")
        temporary.unlink(missing_ok=True)
        os.symlink(target, temporary)
        os.replace(temporary, path)

    def _adopt_loose_files(self, known: Iterable[str]) -> None:
        """Workbooks of a version that renamed files straight into the folder: hard-link them
        into a run folder of their own and publish it first, so replacing them by links never
        shows a mix of that run and the new one."""
        loose = [self.out / n for n in known
                 if (self.out / n).is_file() and not (self.out / n).is_symlink()]
        if not loose:
            return
        partial = self.new_run()
        for f in loose:
            os.link(f, partial / f.name)
        sealed = self.seal(partial, [partial / f.name for f in loose])
        self._swap(f"runs/{sealed.name}")
        for f in loose:
            self._link(f, f"{HIDDEN}/{CURRENT}/{f.name}")

    def _remove_dangling_links(self) -> None:
        """Links of outputs the published run does not have (a matrix-only run after a full
        one): they point into ``current`` and resolve to nothing."""
        prefix = f"{HIDDEN}/{CURRENT}/"
        for path in self.out.iterdir():
            if path.is_symlink() and os.readlink(path).startswith(prefix) and not path.exists():
                path.unlink(missing_ok=True)

    def _remove_superseded(self) -> None:
        current = self.current()
        for folder in self.runs.iterdir():
            if folder.name != current and not folder.name.endswith(PARTIAL) \
                    and _may_judge(folder.name):
                shutil.rmtree(folder, ignore_errors=True)


def _publish_error(out: Path, exc: OSError) -> OutputError:
    if exc.errno in (errno.EPERM, errno.EOPNOTSUPP, errno.ENOSYS):
        return OutputError(Problem(
            "OUTPUT_FOLDER_UNSUPPORTED",
            f"پوشهٔ خروجی «{out.name}» پیوند نمادین نمی‌پذیرد (مثلاً پوشهٔ اشتراکی شبکه)؛ "
            "یک پوشهٔ محلی انتخاب کنید",
            f"the output folder '{out.name}' cannot hold symbolic links (a network share?); "
            "choose a local folder"))
    return OutputError(Problem(
        "OUTPUT_PUBLISH_FAILED",
        f"انتشار خروجی‌ها ناموفق بود ({exc.strerror or type(exc).__name__})؛ پوشه همان نتیجهٔ "
        "قبلی را نشان می‌دهد؛ همان فرمان را دوباره اجرا کنید",
        f"publishing the workbooks failed ({exc.strerror or type(exc).__name__}); the folder "
        "still shows the previous result; run the same command again"))
