"""This installation's own pseudonym key, for the command line when ``SMARTALLOC_EVENT_KEY`` is
not set: 32 random bytes in a file only this account can read, made once.

Never a key built into the code: pseudonyms under a public key are reversed by trying every
national id (issue I). The service and the workers refuse to start without the variable
instead, because machines that share a database must name a student alike.
"""

from __future__ import annotations

import os
import secrets
from contextlib import suppress
from pathlib import Path

from smartalloc.adapters.config_file import data_dir

NAME = "event.key"


def default_key_path() -> Path:
    return data_dir() / NAME


def installation_key(path: Path | None = None) -> bytes:
    """The key in ``path``, made (0600, whole or not at all) if there is none yet."""
    path = Path(path or default_key_path())
    try:
        return _read(path)
    except FileNotFoundError:
        pass
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    tmp = path.with_name(f".{NAME}.{secrets.token_hex(4)}")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        with os.fdopen(fd, "w") as out:
            out.write(secrets.token_hex(32))
            out.flush()
            os.fsync(out.fileno())
        with suppress(FileExistsError):   # another process made it first: theirs is kept
            os.link(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)
    return _read(path)


def _read(path: Path) -> bytes:
    key = path.read_text().strip()
    if len(key) < 64:
        raise ValueError(f"the key file {path} is damaged: remove it to make a new one")
    return key.encode()
