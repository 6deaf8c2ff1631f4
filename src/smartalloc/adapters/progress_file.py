"""A running job's progress events, kept as lines of JSON in the job's own folder
(``<runs>/<job id>/.progress.jsonl``) for the page that shows the job.

A file, not the jobs table: a run reports its sub-steps from inside its database transaction
and from its forked writer processes, where a write to the jobs table would wait for the run's
own transaction (SQLite) or act as the parent (a child holds the parent's connections). Each
event is one ``write`` of one line to a file opened with ``O_APPEND``, so the processes of a run
append side by side without a lock and never interleave within a line; no fsync — the log is
for the operator's eyes while the job runs, and the jobs table stays the record.
"""

from __future__ import annotations

import json
import os
import time
from pathlib import Path

NAME = ".progress.jsonl"
_TAIL = 256 * 1024      # a run appends a few hundred short lines; read at most this much


class ProgressLog:
    def __init__(self, folder: Path):
        self.path = Path(folder) / NAME

    def append(self, event: dict) -> None:
        """Add one event, stamped with the wall clock (``t``, seconds)."""
        line = json.dumps({"t": round(time.time(), 3), **event}, ensure_ascii=False,
                          separators=(",", ":")) + "\n"
        self.path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        fd = os.open(self.path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
        try:
            os.write(fd, line.encode())
        finally:
            os.close(fd)

    def clear(self) -> None:
        """The job ended: its progress is the jobs table's state now, and a finished run's
        folder holds its outputs only."""
        self.path.unlink(missing_ok=True)

    def read(self) -> list[dict]:
        """Every event in order ([] when the job has none yet); a torn line is skipped."""
        try:
            with self.path.open("rb") as log:
                size = log.seek(0, os.SEEK_END)
                log.seek(max(0, size - _TAIL))
                data = log.read()
        except FileNotFoundError:
            return []
        events = []
        for raw in data.split(b"\n")[1 if size > _TAIL else 0:]:
            try:
                events.append(json.loads(raw))
            except ValueError:
                continue
        return [e for e in events if isinstance(e, dict)]
