"""Start the student report's package check (``sheet_halves.StudentCheck``) from its path alone.

Its own module, apart from the student reader, because it needs only the check (the guard,
calamine, the sheet's cut): the program starts it before it imports the reader, the policy's
models or the database (``smartalloc.bootstrap_early``, issue P), which take ~0.3–0.5 s.
"""

from __future__ import annotations

from pathlib import Path

from smartalloc.adapters.sheet_halves import StudentCheck
from smartalloc.domain.contracts import STUDENT_SHEET

AHEAD_MIN_BYTES = 1 << 20   # ~5k students; a smaller report is checked in milliseconds


def check_ahead(path: Path) -> StudentCheck:
    """The package check of a large student report, started in a child now: it runs on the
    second core while the parent reads the other reports and drafts the matrix (0.9 s at 100k;
    before issue P, 1.8 s of the read on the one core), and cuts the student sheet in two, so
    that both cores parse it (``sheet_halves``). Close it when the report is read."""
    path = Path(path)
    try:
        worth = path.stat().st_size >= AHEAD_MIN_BYTES
    except OSError:
        worth = False    # the reader names a missing file itself
    return StudentCheck(path, STUDENT_SHEET, worth=worth)
