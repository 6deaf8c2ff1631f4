"""Uploaded reports on disk (``UploadShelf``) and their check with the run's readers
(``ReportChecker``).

An upload lives in ``<uploads>/<file id>/upload.xlsx``; while it is checked it carries the
operator's own file name, so a problem names their file and never the server's folder.
"""

from __future__ import annotations

import shutil
from pathlib import Path

from smartalloc.adapters.read_limits import row_limit
from smartalloc.adapters.readers import (
    read_crosswalk,
    read_managers,
    read_mentors,
    read_roster,
    read_schools,
    read_students,
)
from smartalloc.domain.policy import Policy

UPLOAD_NAME = "upload.xlsx"

_READERS = {
    "students": lambda p, pol: read_students(p, pol).records,
    "schools": read_schools,
    "crosswalk": read_crosswalk,
    "roster": lambda p, pol: read_roster(p),
    "inspactor": lambda p, pol: read_mentors(p, pol).records,
    "managers": read_managers,
}


def upload_path(uploads: Path, file_id: str) -> Path:
    return Path(uploads) / file_id / UPLOAD_NAME


class FileUploadShelf:
    def __init__(self, uploads: Path):
        self.uploads = Path(uploads)

    def put(self, file_id: str, data: bytes, name: str) -> Path:
        folder = self.uploads / file_id
        folder.mkdir(parents=True, exist_ok=True)
        checking = folder / (name.replace("/", "_").replace("\\", "_") or UPLOAD_NAME)
        checking.write_bytes(data)
        return checking

    def accept(self, file_id: str, checked: Path) -> None:
        checked.rename(upload_path(self.uploads, file_id))

    def discard(self, file_id: str) -> None:
        shutil.rmtree(self.uploads / file_id, ignore_errors=True)


class ExcelReportChecker:
    def rows(self, role: str, path: Path, policy: Policy,
             max_rows: int | None = None) -> int | None:
        with row_limit(max_rows):   # refused while inflating, at the limit (read_limits)
            content = _READERS[role](path, policy)
        return len(content) if hasattr(content, "__len__") else None
