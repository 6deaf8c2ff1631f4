"""Sheets handed from the run's process to a writer child that is already writing.

The matrix workbook's writer starts before the students are read (its big sheet needs only
the mentors' side) and waits, at its last sheets, for the ones that count the students;
allocation.xlsx's writer starts when the batch is decided and waits for the capacity plan
and meta, which follow QA. They reach it here: pickled into an unlinked temporary file that
parent and child share since the fork, then their size through a pipe. The pipe carries 8
bytes, so the parent never blocks on a child still busy with its big sheet; end of file
before them means the run stopped (``close``), and the child's job fails instead of waiting
for ever.
"""

from __future__ import annotations

import contextlib
import os
import pickle
import tempfile
from collections.abc import Sequence

from smartalloc.domain.errors import OutputError, Problem

_SIZE = 8


class SheetFeed:
    """Made before the fork; ``send`` (or ``close``) in the parent, ``receive`` in the child
    after ``child_side``."""

    def __init__(self, folder: os.PathLike | str | None = None):
        self._read, self._write = os.pipe()
        self._file = tempfile.TemporaryFile(dir=folder)  # noqa: SIM115 (lives until close)

    def child_side(self) -> None:
        """In the child, first: let go of the parent's end, so its end of file is seen."""
        os.close(self._write)

    def send(self, sheets: Sequence[object]) -> None:
        data = pickle.dumps(list(sheets), protocol=pickle.HIGHEST_PROTOCOL)
        os.pwrite(self._file.fileno(), data, 0)
        os.write(self._write, len(data).to_bytes(_SIZE, "big"))
        self.close()

    def close(self) -> None:
        """The parent is done with the feed (sent, or the run stopped): close its ends."""
        for fd in (self._write, self._read):
            with contextlib.suppress(OSError):   # already closed
                os.close(fd)
        self._write = self._read = -1
        self._file.close()

    def receive(self) -> list:
        size = b""
        while len(size) < _SIZE:
            chunk = os.read(self._read, _SIZE - len(size))
            if not chunk:
                raise OutputError(Problem(
                    "OUTPUT_WRITE_FAILED", "اجرا پیش از کامل شدن فایل اکسل متوقف شد",
                    "the run stopped before the workbook was complete"))
            size += chunk
        n = int.from_bytes(size, "big")
        data = os.pread(self._file.fileno(), n, 0)
        if len(data) != n:
            raise OSError(f"the workbook's last sheets: {len(data)} of {n} bytes")
        return pickle.loads(data)
