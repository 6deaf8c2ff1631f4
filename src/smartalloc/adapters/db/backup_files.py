"""The files of a backup: private from their first byte, published atomically, checksummed,
optionally encrypted with age.

A backup holds every student's national id and name, so no byte of it may ever sit in a file
another account can read: every file here is *created* 0600 (``O_CREAT|O_EXCL`` with the
mode), never written and then chmod-ed, and work happens in a 0700 folder beside the
destination (same file system, so publishing is a ``rename``). A backup appears under its
final name only complete and on disk (fsync of the file, rename, fsync of the folder), so a
crash or a full disk leaves either the previous backups or a new complete one — never a
truncated file with a good name.

Encryption is age to X25519 *recipients* (``age1…`` public keys): the machine taking the
nightly or hourly backup needs only the public key, so a stolen server or backup disk gives
nothing away; the identity (secret key) that restores is kept offline by the agency. A
passphrase would have to sit on the server for an unattended timer, next to the backups.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pyrage

CHUNK = 1 << 20


class BackupFailed(RuntimeError):
    """A database tool or engine refused (message: its own first line, never data)."""


class BackupKeyError(ValueError):
    """An unusable age recipient or identity (message names no key material)."""


def create_private(path: Path) -> int:
    """A new, empty file readable by its owner only; fails if ``path`` exists."""
    return os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY | os.O_CLOEXEC, 0o600)


def touch_private(path: Path) -> None:
    os.close(create_private(path))


@contextmanager
def workdir(near: Path) -> Iterator[Path]:
    """A 0700 folder inside ``near`` (created 0700 if missing), removed with its contents."""
    near.mkdir(mode=0o700, parents=True, exist_ok=True)
    folder = Path(tempfile.mkdtemp(prefix=".smartalloc-backup-", dir=near))  # mode 0700
    try:
        yield folder
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def fsync_path(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY | os.O_CLOEXEC)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def publish(temp: Path, final: Path) -> None:
    """Make ``temp`` (in a folder on ``final``'s file system) appear as ``final``: its bytes
    on disk first, then the rename, then the folder entry on disk. Refuses to replace."""
    if final.exists():
        raise FileExistsError(final.name)
    fsync_path(temp)
    os.replace(temp, final)
    fsync_path(final.parent)


def write_private_text(final: Path, text: str, scratch: Path) -> None:
    """A small text file (the manifest, an identity) written atomically and 0600."""
    temp = scratch / (final.name + ".tmp")
    fd = create_private(temp)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        handle.write(text)
    publish(temp, final)


def sha256_of(path: Path) -> tuple[str, int]:
    """The file's sha256 (hex) and size, read in 1 MiB chunks."""
    digest, size = hashlib.sha256(), 0
    with open(path, "rb") as handle:
        while chunk := handle.read(CHUNK):
            digest.update(chunk)
            size += len(chunk)
    return digest.hexdigest(), size


def _recipient(text: str):
    text = text.strip()
    for parser in (pyrage.x25519.Recipient, pyrage.ssh.Recipient):
        try:
            return parser.from_str(text)
        except pyrage.RecipientError:
            continue
    raise BackupKeyError("not an age recipient (age1…) or SSH public key")


def _identities(identity_file: Path) -> list:
    """The ``AGE-SECRET-KEY-1…`` lines of an age identity file (``age-keygen``'s or ours)."""
    try:
        lines = identity_file.read_text("utf-8").splitlines()
    except OSError as exc:
        raise BackupKeyError(f"identity file cannot be read ({exc.strerror})") from exc
    found = []
    for line in lines:
        if line.strip().startswith("AGE-SECRET-KEY-"):
            try:
                found.append(pyrage.x25519.Identity.from_str(line.strip()))
            except pyrage.IdentityError as exc:
                raise BackupKeyError("malformed AGE-SECRET-KEY line in the identity file") from exc
    if not found:
        raise BackupKeyError("the identity file holds no AGE-SECRET-KEY line")
    return found


def parse_recipients(recipients: list[str]) -> list:
    return [_recipient(r) for r in recipients]


def encrypt(plain: Path, out: Path, recipients: list) -> None:
    """Stream ``plain`` into the new private file ``out``, encrypted to ``recipients``."""
    fd = create_private(out)
    with open(plain, "rb") as reader, os.fdopen(fd, "wb") as writer:
        pyrage.encrypt_io(reader, writer, recipients)


def decrypt(stored: Path, out: Path, identity_file: Path) -> None:
    """Stream ``stored`` into the new private file ``out``; a wrong key or a modified file
    (age authenticates every chunk) raises ``pyrage.DecryptError``."""
    identities = _identities(identity_file)
    fd = create_private(out)
    with open(stored, "rb") as reader, os.fdopen(fd, "wb") as writer:
        pyrage.decrypt_io(reader, writer, identities)


def new_identity() -> tuple[str, str]:
    """A fresh X25519 identity: (identity file text, its public recipient)."""
    identity = pyrage.x25519.Identity.generate()
    public = str(identity.to_public())
    return (f"# SmartAlloc backup key — keep offline; restores need it\n"
            f"# public key: {public}\n{identity}\n", public)
