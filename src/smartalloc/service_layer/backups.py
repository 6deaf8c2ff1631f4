"""Backup, restore and verify of the system of record: one handler per command.

The counters table is what must never be lost — a database restored without this year's
counter heads issues registration codes again — so a backup is only worth something if it
restores. Each handler therefore ends on evidence: a backup's manifest records the facts of
its own snapshot; a restore is checked against them; ``verify`` restores into a scratch
database and compares. The engine mechanics (SQLite's backup API, pg_dump) and the file
mechanics (0600, atomic publish, age) are ports; this module decides the order and refuses.

No message names a student or a code: only file names, table names, counts and hashes.
"""

from __future__ import annotations

import tempfile
import time
from collections.abc import Callable
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Protocol

from smartalloc import __version__
from smartalloc.domain.errors import DatabaseError, Problem
from smartalloc.service_layer.backup_manifest import (
    MANIFEST_SUFFIX,
    DatabaseFacts,
    Manifest,
    backup_name,
)


class BackupEngine(Protocol):
    kind: str

    def describe(self) -> str: ...
    def facts(self) -> DatabaseFacts: ...
    def dump(self, into: Path) -> DatabaseFacts: ...
    def restore(self, plain: Path) -> DatabaseFacts: ...
    def scratch_facts(self, plain: Path, scratch: Path) -> DatabaseFacts: ...


class BackupFiles(Protocol):
    """Private, atomic, checksummed, optionally encrypted files (``adapters.db.backup_files``)."""

    def workdir(self, near: Path) -> AbstractContextManager[Path]: ...
    def touch_private(self, path: Path) -> None: ...
    def publish(self, temp: Path, final: Path) -> None: ...
    def write_private_text(self, final: Path, text: str, scratch: Path) -> None: ...
    def sha256_of(self, path: Path) -> tuple[str, int]: ...
    def parse_recipients(self, recipients: list[str]) -> list: ...
    def encrypt(self, plain: Path, out: Path, recipients: list) -> None: ...
    def decrypt(self, stored: Path, out: Path, identity_file: Path) -> None: ...


def _error(code: str, fa: str, en: str) -> DatabaseError:
    return DatabaseError(Problem(code, fa, en))


@dataclass(frozen=True)
class TakeBackup:
    folder: Path
    now: datetime
    recipients: tuple[str, ...] = ()


@dataclass(frozen=True)
class BackupTaken:
    path: Path
    manifest: Manifest
    seconds: float


@dataclass(frozen=True)
class RestoreBackup:
    backup: Path
    identity: Path | None = None
    force: bool = False


@dataclass(frozen=True)
class Restored:
    manifest: Manifest
    replaced: dict[str, int]
    facts: DatabaseFacts
    seconds: float


@dataclass(frozen=True)
class VerifyBackup:
    backup: Path
    identity: Path | None = None


@dataclass(frozen=True)
class Verified:
    manifest: Manifest
    facts: DatabaseFacts
    seconds: float
    notes: list[str] = field(default_factory=list)


def manifest_path(backup: Path) -> Path:
    return backup.with_name(backup.name + MANIFEST_SUFFIX)


def take_backup(cmd: TakeBackup, engine: BackupEngine, files: BackupFiles) -> BackupTaken:
    """Snapshot the database into a private temp file, encrypt it when recipients are given,
    publish it under a new name, then its manifest (a backup without a manifest is refused
    by restore and verify, so a crash between the two leaves nothing usable-but-unchecked)."""
    started = time.monotonic()
    keys = _recipients(cmd.recipients, files)
    try:
        final, manifest = _write_backup(cmd, engine, files, keys)
    except OSError as exc:   # a full disk, a read-only or missing mount: nothing published
        raise _error("BACKUP_WRITE_FAILED", f"پشتیبان در «{cmd.folder}» نوشته نشد: "
                     f"{exc.strerror or exc}", f"the backup could not be written to "
                     f"'{cmd.folder}': {exc.strerror or exc}") from exc
    return BackupTaken(final, manifest, time.monotonic() - started)


def _write_backup(cmd: TakeBackup, engine: BackupEngine, files: BackupFiles,
                  keys: list) -> tuple[Path, Manifest]:
    with files.workdir(cmd.folder) as work:
        plain = work / "snapshot"
        files.touch_private(plain)
        facts = _engine_step(lambda: engine.dump(plain), "BACKUP_FAILED", engine)
        stored = plain
        if keys:
            stored = work / "snapshot.age"
            files.encrypt(plain, stored, keys)
        sha, size = files.sha256_of(stored)
        name = backup_name(engine.kind, cmd.now.strftime("%Y%m%dT%H%M%SZ"), encrypted=bool(keys))
        final = cmd.folder / name
        manifest = Manifest(engine.kind, name, sha, size, cmd.now.isoformat(timespec="seconds"),
                            facts, "age-x25519" if keys else None, __version__)
        try:
            files.publish(stored, final)
        except FileExistsError as exc:
            raise _error("BACKUP_EXISTS", f"پشتیبان «{name}» از قبل وجود دارد؛ کمی بعد دوباره "
                         "اجرا کنید", f"backup '{name}' already exists; run again in a second"
                         ) from exc
        files.write_private_text(manifest_path(final), manifest.to_json(), work)
    return final, manifest


def restore_backup(cmd: RestoreBackup, engine: BackupEngine, files: BackupFiles) -> Restored:
    """Refuse a backup whose checksum fails, of the other engine, or a target holding rows
    without ``force``; then replace the database and check it against the manifest."""
    started = time.monotonic()
    manifest = _checked_manifest(cmd.backup, files)
    if manifest.engine != engine.kind:
        raise _error("BACKUP_WRONG_ENGINE",
                     f"پشتیبان از {manifest.engine} است و مقصد {engine.kind}؛ بازگردانی ممکن نیست",
                     f"the backup is of {manifest.engine}, the target is {engine.kind}")
    replaced = _engine_step(engine.facts, "RESTORE_FAILED", engine).non_empty()
    if replaced and not cmd.force:
        listed = ", ".join(f"{name} ({n})" for name, n in replaced.items())
        raise _error("RESTORE_TARGET_NOT_EMPTY",
                     f"پایگاه داده مقصد «{engine.describe()}» داده دارد و جایگزین می‌شود: "
                     f"{listed}. برای جایگزینی --force بدهید",
                     f"the target database '{engine.describe()}' holds data that would be "
                     f"replaced: {listed}. Pass --force to replace it")
    with _plaintext(cmd.backup, manifest, cmd.identity, files) as plain:
        facts = _engine_step(lambda: engine.restore(plain), "RESTORE_FAILED", engine)
    if diffs := manifest.facts.differences(facts):
        raise _error("RESTORE_MISMATCH",
                     "بازگردانی انجام شد اما با فهرست پشتیبان نمی‌خواند: " + "؛ ".join(diffs[:5]),
                     "restored, but the database differs from the backup's manifest: "
                     + "; ".join(diffs[:5]))
    return Restored(manifest, replaced, facts, time.monotonic() - started)


def verify_backup(cmd: VerifyBackup, engine_for: Callable[[str], BackupEngine],
                  files: BackupFiles) -> Verified:
    """Checksum, then a restore into a scratch database, then the manifest's facts."""
    started = time.monotonic()
    manifest = _checked_manifest(cmd.backup, files)
    engine = engine_for(manifest.engine)
    with _plaintext(cmd.backup, manifest, cmd.identity, files) as plain, \
            files.workdir(Path(tempfile.gettempdir())) as scratch:
        facts = _engine_step(lambda: engine.scratch_facts(plain, scratch), "VERIFY_FAILED",
                             engine)
    if diffs := manifest.facts.differences(facts):
        raise _error("VERIFY_FAILED",
                     "پشتیبان بازگردانی شد اما با فهرستش نمی‌خواند: " + "؛ ".join(diffs[:5]),
                     "the backup restores but differs from its manifest: " + "; ".join(diffs[:5]))
    notes = []
    if not facts.tables.get("شمارنده_ها") and not facts.counters:
        notes.append("no registration counters in this backup / پشتیبان شمارنده ثبت‌نام ندارد")
    return Verified(manifest, facts, time.monotonic() - started, notes)


# --- steps ----------------------------------------------------------------------------------
def _recipients(recipients: tuple[str, ...], files: BackupFiles) -> list:
    try:
        return files.parse_recipients(list(recipients)) if recipients else []
    except ValueError as exc:
        raise _error("BACKUP_BAD_KEY", f"کلید عمومی رمزنگاری قابل استفاده نیست ({exc})",
                     f"unusable encryption recipient ({exc})") from exc


def _engine_step(step: Callable[[], DatabaseFacts], code: str, engine: BackupEngine):
    try:
        return step()
    except DatabaseError:
        raise
    except Exception as exc:   # the adapters' and drivers' failures, first line only
        reason = str(getattr(exc, "orig", None) or exc).strip().splitlines()
        reason_text = reason[0][:300] if reason else type(exc).__name__
        raise _error(code, f"عملیات روی «{engine.describe()}» انجام نشد: {reason_text}",
                     f"the operation on '{engine.describe()}' failed: {reason_text}") from exc


def _checked_manifest(backup: Path, files: BackupFiles) -> Manifest:
    """The backup's manifest, and the file's checksum checked against it."""
    where = manifest_path(backup)
    if not backup.is_file():
        raise _error("BACKUP_MISSING", f"فایل پشتیبان «{backup}» پیدا نشد",
                     f"backup file '{backup}' not found")
    try:
        manifest = Manifest.from_json(where.read_text("utf-8"))
    except OSError as exc:
        raise _error("BACKUP_NO_MANIFEST", f"فهرست پشتیبان «{where.name}» خوانده نشد؛ پشتیبان "
                     "ناقص است", f"the backup's manifest '{where.name}' cannot be read; the "
                     "backup is incomplete") from exc
    except ValueError as exc:
        raise _error("BACKUP_BAD_MANIFEST", f"فهرست پشتیبان «{where.name}» معتبر نیست ({exc})",
                     f"the backup's manifest '{where.name}' is not valid ({exc})") from exc
    sha, size = files.sha256_of(backup)
    if (sha, size) != (manifest.sha256, manifest.size):
        raise _error("BACKUP_CHECKSUM",
                     f"چک‌سام پشتیبان «{backup.name}» نمی‌خواند (فایل خراب یا دست‌کاری شده است)؛ "
                     "از آن استفاده نمی‌شود",
                     f"the checksum of backup '{backup.name}' does not match (the file is "
                     f"damaged or altered: {size} bytes, sha256 {sha[:12]}…, expected "
                     f"{manifest.size} bytes, {manifest.sha256[:12]}…); it is not used")
    return manifest


class _plaintext:
    """The backup's plain bytes as a file: the backup itself, or a private decrypted copy
    in a 0700 folder that is removed afterwards."""

    def __init__(self, backup: Path, manifest: Manifest, identity: Path | None,
                 files: BackupFiles):
        self.backup, self.manifest, self.identity, self.files = backup, manifest, identity, files
        self._work: AbstractContextManager[Path] | None = None

    def __enter__(self) -> Path:
        if self.manifest.encryption is None:
            return self.backup
        if self.identity is None:
            raise _error("BACKUP_KEY_NEEDED", "پشتیبان رمزنگاری شده است؛ فایل کلید را با "
                         "--identity بدهید", "the backup is encrypted; pass its key file "
                         "with --identity")
        self._work = self.files.workdir(Path(tempfile.gettempdir()))
        folder = self._work.__enter__()
        plain = folder / "plain"
        try:
            self.files.decrypt(self.backup, plain, self.identity)
        except Exception as exc:
            self._work.__exit__(None, None, None)
            raise _error("BACKUP_DECRYPT", f"رمزگشایی پشتیبان ممکن نشد (کلید نادرست یا فایل "
                         f"تغییرکرده): {exc}", f"the backup cannot be decrypted (wrong key or "
                         f"altered file): {exc}") from exc
        return plain

    def __exit__(self, *exc_info) -> None:
        if self._work is not None:
            self._work.__exit__(*exc_info)
