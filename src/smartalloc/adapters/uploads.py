"""Uploaded reports on disk (``UploadShelf``) and their check with the run's readers
(``ReportChecker``).

An upload lives in ``<uploads>/<file id>/upload.xlsx``; while it is checked it carries the
operator's own file name, so a problem names their file and never the server's folder.

``ExcelReportChecker.kinds`` tells which reports a file's header belongs to, from each
reader's own required columns, so a report put in another's slot can be named (the naming rule
is the upload handler's, ``service_layer.uploads.recognised``).
"""

from __future__ import annotations

import shutil
from pathlib import Path

from smartalloc.adapters.excel_reader import Workbook, resolve_columns
from smartalloc.adapters.read_limits import row_limit
from smartalloc.adapters.readers import (
    crosswalk,
    inspactor,
    read_crosswalk,
    read_managers,
    read_mentors,
    read_roster,
    read_schools,
    read_students,
    roster,
    students,
)
from smartalloc.domain.contracts import MANAGER_REQUIRED, SCHOOL_REQUIRED
from smartalloc.domain.errors import InputError
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

# Each reader's required columns (a tuple: any one of them), its own aliases, its forbidden
# stand-ins: what a header must hold to be read as that report.
_HEADERS: dict[str, tuple[tuple, dict, dict]] = {
    "inspactor": (inspactor.REQUIRED, {}, inspactor.FORBIDDEN),
    "schools": (SCHOOL_REQUIRED, {}, {}),
    "students": (students.REQUIRED, students.NID_FALLBACK, {}),
    "managers": (MANAGER_REQUIRED, {}, {}),
    "crosswalk": (crosswalk.GROUP_REQUIRED, {}, {}),
    "roster": (roster.REQUIRED, roster.ALIASES, {}),
}
_SHEETS_LOOKED_AT = 5


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

    def kinds(self, path: Path, policy: Policy) -> tuple[str, ...]:
        """The reports whose required columns a sheet of the file holds (its first few
        sheets), the one needing the most columns first: the best description of the file."""
        names = [n for required, _, _ in _HEADERS.values() for req in required
                 for n in ((req,) if isinstance(req, str) else req)]
        found: set[str] = set()
        try:
            with Workbook(Path(path)) as wb:
                for sheet in wb.sheet_names[:_SHEETS_LOOKED_AT]:
                    table = wb.table(sheet, expect=names)
                    found |= {role for role, spec in _HEADERS.items()
                              if _holds(table, spec, policy)}
        except InputError:
            return ()
        return tuple(sorted(found, key=lambda role: -len(_HEADERS[role][0])))


def _holds(table, spec: tuple[tuple, dict, dict], policy: Policy) -> bool:
    required, aliases, forbidden = spec
    if not table.header:
        return False
    wanted = [n for req in required for n in ((req,) if isinstance(req, str) else req)]
    try:
        resolve_columns(table, wanted, required=required, forbidden=forbidden,
                        aliases={**aliases, **policy.column_aliases})
    except InputError as error:
        return not any(p.code == "INPUT_MISSING_COLUMN" for p in error.problems)
    return True
