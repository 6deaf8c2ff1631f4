"""A what-if job's report, kept as JSON in the job's own folder (``<runs>/<job id>/whatif.json``).

A file, not the jobs table: at 100k students the report names thousands of combinations and
mentors, and the jobs list reads every job's result. Written whole or not at all (a temporary
file, fsync, one rename), readable by this account only: it names mentors and their seats.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

from smartalloc.adapters.publication import fsync_path

NAME = "whatif.json"


class WhatIfFile:
    def __init__(self, folder: Path):
        self.path = Path(folder) / NAME

    def keep(self, text: str) -> None:
        self.path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        tmp = self.path.with_name(f".{NAME}.tmp")
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as out:
            out.write(text)
            out.flush()
            os.fsync(out.fileno())
        os.replace(tmp, self.path)
        fsync_path(self.path.parent)

    def read(self) -> dict | None:
        """The kept report, or None if the job kept none."""
        try:
            return json.loads(self.path.read_text("utf-8"))
        except FileNotFoundError:
            return None
