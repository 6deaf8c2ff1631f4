"""The agency's data folder and its settings file (issue J: a service in two commands).

Everything an installation keeps lives in one folder — ``SMARTALLOC_DATA_DIR``, else the user
data directory: the SQLite database, uploads, runs, the command line's pseudonym key and
``smartalloc.toml``, the settings file ``smartalloc serve`` writes on its first start with
generated secrets. Backing up or moving the agency is copying that folder.

The file holds secrets (the JWT signing secret, the pseudonym key), so it is made 0600, whole
or not at all, and a file others can read is refused rather than trusted: anyone who reads the
signing secret can sign in as anyone. An environment variable wins over the file (a container,
a test, a one-off change), and a value the file does not set keeps its documented default.
"""

from __future__ import annotations

import os
import secrets
import stat
import tomllib
from contextlib import suppress
from pathlib import Path

import platformdirs

from smartalloc.domain.errors import InputError, Location, Problem

DATA_DIR_ENV = "SMARTALLOC_DATA_DIR"
NAME = "smartalloc.toml"


def data_dir() -> Path:
    """The installation's folder: ``SMARTALLOC_DATA_DIR``, else the user data directory."""
    return Path(os.environ.get(DATA_DIR_ENV) or platformdirs.user_data_dir("smartalloc"))


def config_path(folder: Path | None = None) -> Path:
    return Path(folder or data_dir()) / NAME


def read_config(path: Path | None = None) -> dict[str, object]:
    """The settings in the file ({} when there is none). A file others may read, or one that
    is not TOML, stops the process with a message naming the file (and the line)."""
    path = path or config_path()
    try:
        mode = path.stat().st_mode
    except FileNotFoundError:
        return {}
    if mode & (stat.S_IRWXG | stat.S_IRWXO):
        raise _problem("CONFIG_READABLE",
                       "فایل تنظیمات رمزها را نگه می‌دارد و دیگران می‌توانند آن را بخوانند؛ "
                       f"دسترسی را محدود کنید: chmod 600 {path}",
                       "the settings file holds secrets and others can read it; restrict it: "
                       f"chmod 600 {path}", path)
    try:
        return tomllib.loads(path.read_text(encoding="utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise _problem("CONFIG_SYNTAX", f"فایل تنظیمات خوانا نیست (TOML): {exc}",
                       f"the settings file is not valid TOML: {exc}", path) from None


def configured(env: str, key: str) -> str | None:
    """A setting: its environment variable, else its key in the installation's settings file
    (``smartalloc.toml``), else None (the caller's documented default)."""
    if value := os.environ.get(env):
        return value
    value = read_config().get(key)
    if isinstance(value, bool):
        return "1" if value else "0"
    return None if value is None else str(value)


def create_config(text: str, path: Path | None = None) -> bool:
    """Write ``text`` as the settings file if there is none (0600, in a 0700 folder, whole or
    not at all); False when one exists (another process may have made it first: theirs is
    kept, so two first starts agree on one secret)."""
    path = path or config_path()
    if path.exists():
        return False
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    tmp = path.with_name(f".{NAME}.{secrets.token_hex(4)}")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as out:
            out.write(text)
            out.flush()
            os.fsync(out.fileno())
        try:
            os.link(tmp, path)
        except FileExistsError:
            return False
    finally:
        with suppress(FileNotFoundError):
            tmp.unlink()
    return True


def _problem(code: str, fa: str, en: str, path: Path) -> InputError:
    return InputError(Problem(code, fa, en, Location(file=str(path))))
