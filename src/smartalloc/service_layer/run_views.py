"""What the pages show of a finished run, from what the run kept (never its workbooks).

A run's kept file does not change once published. The results page reads its summary (one
stored row, parsed once and kept for the few most recent runs); a search asks the file for the
few students it shows — by national id, or by name through the file's name index — instead of
parsing every student of the run (at 100k students that parse took seconds: issue J).
"""

from __future__ import annotations

from collections.abc import Callable
from functools import lru_cache
from pathlib import Path

from smartalloc.domain.national_id import normalize_national_id
from smartalloc.domain.normalize import match_key
from smartalloc.domain.run_results import RunResults, StudentLine
from smartalloc.service_layer.ports import OUTPUT_FILES
from smartalloc.service_layer.service_ports import KeptRun

OpenKept = Callable[[Path], KeptRun]


def kept_path(run_folder: Path) -> Path:
    return Path(run_folder) / OUTPUT_FILES["explain"]


def run_results(run_folder: Path, open_kept: OpenKept) -> RunResults | None:
    """The run's results view without its students' lines, or None when the run kept nothing
    (a CLI run, a failed job)."""
    path = kept_path(run_folder)
    try:
        stamp = path.stat().st_mtime_ns
    except OSError:
        return None
    return _summary(path, stamp, open_kept)


@lru_cache(maxsize=8)
def _summary(path: Path, _stamp: int, open_kept: OpenKept) -> RunResults | None:
    kept = open_kept(path)
    return kept.summary() if kept.exists() else None


def _kept(run_folder: Path, open_kept: OpenKept) -> KeptRun | None:
    kept = open_kept(kept_path(run_folder))
    return kept if kept.exists() else None


def search(run_folder: Path, query: str, open_kept: OpenKept,
           limit: int = 50) -> list[StudentLine]:
    """By national id (exact, leading zero restored) when the query is digits, else by name
    (its ``match_key`` anywhere in the student's: Arabic ي/ك, ZWNJ, digits as everywhere)."""
    query = query.strip()
    kept = _kept(run_folder, open_kept) if query else None
    if kept is None:
        return []
    plain = query.replace(" ", "")
    if plain.isdecimal():      # Persian and Arabic digits too
        found = kept.line(normalize_national_id(plain))
        return [found] if found is not None else []
    return kept.by_name(match_key(query), limit)


def find(run_folder: Path, national_id: str, open_kept: OpenKept) -> StudentLine | None:
    kept = _kept(run_folder, open_kept)
    return kept.line(national_id) if kept is not None else None
