"""The overrides an operator chose on the mentors page for their next run, kept on the server
(issue J: they lived in a cookie — lost with the browser, invisible from another computer, and
bounded by a cookie's 4 KB).

One small JSON file per user in the data folder (0600, replaced in one rename), named by a hash
of the username so that a name never becomes a path. Read on every mentors and run page; a
damaged file reads as "no overrides" and is logged by the caller, never guessed at.
"""

from __future__ import annotations

import hashlib
import json
import os
import secrets
from pathlib import Path


class OverridesBook:
    def __init__(self, folder: Path):
        self.folder = Path(folder)

    def _path(self, username: str) -> Path:
        name = hashlib.sha256(username.encode("utf-8", "surrogatepass")).hexdigest()[:32]
        return self.folder / f"{name}.json"

    def get(self, username: str) -> dict[str, bool]:
        try:
            data = json.loads(self._path(username).read_text(encoding="utf-8"))
        except (FileNotFoundError, ValueError):
            return {}
        if not isinstance(data, dict):
            return {}
        return {str(k): v for k, v in data.items() if isinstance(v, bool)}

    def put(self, username: str, overrides: dict[str, bool]) -> None:
        if not overrides:
            self.clear(username)
            return
        self.folder.mkdir(mode=0o700, parents=True, exist_ok=True)
        path = self._path(username)
        tmp = path.with_name(f".{path.name}.{secrets.token_hex(4)}")
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as out:
            json.dump(dict(sorted(overrides.items())), out, ensure_ascii=False)
        os.replace(tmp, path)

    def clear(self, username: str) -> None:
        self._path(username).unlink(missing_ok=True)
