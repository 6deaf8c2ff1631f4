"""What an operator sees in an output folder, shared by the tests that check publication."""

from __future__ import annotations

from pathlib import Path


def visible(out: Path) -> dict[str, bytes]:
    """Every non-hidden file of ``out`` by name (links followed; a dangling link is no file)."""
    if not out.is_dir():
        return {}
    return {p.name: p.read_bytes() for p in sorted(out.iterdir())
            if not p.name.startswith(".") and p.is_file()}


def workbook_sheet(path: Path, name: str) -> list[list]:
    """A sheet of an output workbook as rows (the header first)."""
    from python_calamine import CalamineWorkbook

    return CalamineWorkbook.from_path(str(path)).get_sheet_by_name(name).to_python()


def records(path: Path, name: str) -> list[dict]:
    """A sheet's rows as {header: value}: tests name the columns they read."""
    rows = workbook_sheet(path, name)
    return [dict(zip(rows[0], r, strict=False)) for r in rows[1:]]


def run_facts(path: Path) -> dict[str, object]:
    """The meta sheet of an allocation or QA workbook, by key code → value code."""
    from smartalloc.domain.allocation_report import META_SHEET

    return {r["کلید (کد)"]: r["مقدار (کد)"] for r in records(path, META_SHEET)}
