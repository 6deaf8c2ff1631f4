"""Resolve the input files of a run from flags or from an agency folder."""

from __future__ import annotations

from pathlib import Path

from smartalloc.domain.errors import input_error
from smartalloc.service_layer.ports import InputPaths

# File-name prefixes of the Kanoon exports (and of the synthetic generator).
PATTERNS = {
    "inspactor": "InspactorReport*.xlsx",
    "schools": "SchoolReport*.xlsx",
    "students": "StudentReport*.xlsx",
    "managers": "ManagerReport*.xlsx",
    "crosswalk": "Crosswalk*.xlsx",
    "roster": "roster*.xlsx",
}
REQUIRED = ("inspactor", "schools", "students")


def _find(folder: Path, role: str) -> Path | None:
    matches = sorted(folder.glob(PATTERNS[role]))
    return matches[-1] if matches else None  # the latest dated export


def resolve_inputs(agency: Path | None, *, required: tuple[str, ...] = REQUIRED,
                   **flags: Path | None) -> InputPaths:
    """Explicit flags win; missing ones are looked up in ``agency`` by file-name pattern."""
    found: dict[str, Path | None] = {}
    for role in PATTERNS:
        path = flags.get(role)
        if path is None and agency is not None:
            path = _find(agency, role)
        found[role] = path
    for role in required:
        if found[role] is None:
            raise input_error(
                "INPUT_NOT_GIVEN", f"فایل ورودی «{role}» مشخص نشده است (--{role} یا --agency)",
                f"input '{role}' was not given (use --{role} or --agency)",
                file=str(agency or ""))
    for path in found.values():
        if path is not None and not path.is_file():
            raise input_error("INPUT_MISSING", "فایل ورودی پیدا نشد", "input file not found",
                              file=str(path))
    return InputPaths(**found)
