"""What the pages show of a finished run, from what the run kept (never its workbooks).

A run's kept file does not change once published, so its view is parsed once and kept for
the few most recent runs (a results page, then a search or two on the same run).
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


def kept_path(run_folder: Path) -> Path:
    return Path(run_folder) / OUTPUT_FILES["explain"]


def run_results(run_folder: Path, open_kept: Callable[[Path], KeptRun]) -> RunResults | None:
    """The run's results view, or None when the run kept nothing (a CLI run, a failed job)."""
    path = kept_path(run_folder)
    try:
        stamp = path.stat().st_mtime_ns
    except OSError:
        return None
    return _parsed(path, stamp, open_kept)


@lru_cache(maxsize=8)
def _parsed(path: Path, _stamp: int, open_kept: Callable[[Path], KeptRun]) -> RunResults | None:
    kept = open_kept(path)
    return kept.results() if kept.exists() else None


def search(results: RunResults, query: str, limit: int = 50) -> list[StudentLine]:
    """By national id (exact, leading zero restored) when the query is digits, else by name."""
    query = query.strip()
    if not query:
        return []
    plain = query.replace(" ", "")
    if plain.isdecimal():      # Persian and Arabic digits too
        nid = normalize_national_id(plain)
        return [s for s in results.students if s.national_id == nid][:limit]
    key = match_key(query)
    return [s for s in results.students if key and key in match_key(s.name)][:limit]


def find(results: RunResults | None, national_id: str) -> StudentLine | None:
    if results is None:
        return None
    return next((s for s in results.students if s.national_id == national_id), None)
