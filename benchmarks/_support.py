"""What the benchmarks share: the machine they ran on and the marked blocks of
docs/performance.md that each benchmark rewrites with its own numbers."""

from __future__ import annotations

import os
import platform
from pathlib import Path


def replace_block(path: Path, marker: str, lines: list[str], heading: str = "") -> None:
    """Rewrite the text between ``<!-- marker:begin -->`` and ``<!-- marker:end -->``; the
    markers (under ``heading``) are appended when the file lacks them."""
    begin, end = f"<!-- {marker}:begin -->", f"<!-- {marker}:end -->"
    text_ = path.read_text("utf-8") if path.exists() else "# Performance\n"
    if begin not in text_:
        text_ = text_.rstrip("\n") + (f"\n\n{heading}\n" if heading else "\n") + f"\n{begin}\n{end}\n"
    head, rest = text_.split(begin, 1)
    path.write_text(head + "\n".join([begin, *lines, end]) + rest.split(end, 1)[1], "utf-8")


def machine() -> str:
    """The machine a figure was measured on: cores, CPU model, RAM, Python."""
    cpu = next((line.split(":", 1)[1].strip()
                for line in Path("/proc/cpuinfo").read_text().splitlines()
                if line.startswith("model name")), platform.processor())
    mem = int(next(line.split()[1] for line in Path("/proc/meminfo").read_text().splitlines()
                   if line.startswith("MemTotal"))) // 1024 // 1024
    return f"{os.cpu_count()} cores ({cpu}), {mem} GB RAM, Python {platform.python_version()}"
