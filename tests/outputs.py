"""What an operator sees in an output folder, shared by the tests that check publication."""

from __future__ import annotations

from pathlib import Path


def visible(out: Path) -> dict[str, bytes]:
    """Every non-hidden file of ``out`` by name (links followed; a dangling link is no file)."""
    if not out.is_dir():
        return {}
    return {p.name: p.read_bytes() for p in sorted(out.iterdir())
            if not p.name.startswith(".") and p.is_file()}
