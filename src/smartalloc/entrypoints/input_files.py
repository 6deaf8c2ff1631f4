"""Which file of an agency folder is which report: the Kanoon exports' file names.

A module of its own, without the policy or the service stack, because the program's entry
(``console``) finds the student report with it before it imports them."""

from __future__ import annotations

from pathlib import Path

# File-name prefixes of the Kanoon exports (and of the synthetic generator).
PATTERNS = {
    "inspactor": "InspactorReport*.xlsx",
    "schools": "SchoolReport*.xlsx",
    "students": "StudentReport*.xlsx",
    "managers": "ManagerReport*.xlsx",
    "crosswalk": "Crosswalk*.xlsx",
    "roster": "roster*.xlsx",
}


def find_report(folder: Path, role: str) -> Path | None:
    """The ``role`` report in ``folder``: the latest dated export (the names sort by date)."""
    matches = sorted(folder.glob(PATTERNS[role]))
    return matches[-1] if matches else None
