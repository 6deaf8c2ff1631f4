"""What a downloaded workbook is called: its kind, the run's Jalali date and its run id.

Every run's folder holds the same file names (``import_to_sabt.xlsx`` …): they are the
documented output contract and the atomic publication links to them, so they stay. A
download is a copy that leaves that folder, where ten ``import_to_sabt (3).xlsx`` in a Downloads
folder cannot be told apart (issue J); its name says which run and day it is:
``import_to_sabt-1404-09-15-21ffed33.xlsx``. ASCII only (Latin digits of the Jalali date), so
every browser and file system keeps it as sent, without an RFC 5987 ``filename*``.
"""

from __future__ import annotations

import re
from datetime import datetime
from pathlib import Path

from fastapi.responses import FileResponse

from smartalloc.entrypoints.clock import jalali_now, tehran
from smartalloc.service_layer.ports import OUTPUT_FILES

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
_ID = re.compile(r"[^0-9A-Za-z]")


def _run_date(job) -> str:
    """The run's allocation date as recorded with the job; for a job recorded before that
    was kept, the Tehran date of the job's creation."""
    kept = str((job.result or {}).get("allocated_at") or "")
    if _DATE.fullmatch(kept):
        return kept
    try:
        return tehran(datetime.fromisoformat(job.created_at)).strftime("%Y-%m-%d")
    except (TypeError, ValueError):
        return "0000-00-00"


def download_name(kind: str, job) -> str:
    """``<workbook>-<Jalali date>-<run id>.xlsx`` — the run id the pages, history and the
    workbooks' own meta show (12 hex); a job without one: the first 8 of its id."""
    stem = Path(OUTPUT_FILES[kind]).stem
    run = _ID.sub("", str((job.result or {}).get("run_id") or job.id[:8]))[:12]
    return f"{stem}-{_run_date(job)}-{run}.xlsx"


def workbook_download(path: Path, kind: str, job) -> FileResponse:
    """The workbook at ``path`` as an attachment named by ``download_name``."""
    return FileResponse(path, media_type=XLSX, filename=download_name(kind, job))


def write_live_sabt(state, *, include_exported: bool) -> tuple[int, Path, str]:
    """The ImportToSabt of the students allocated on arrival since the last one (issue L;
    ``include_exported``: all of them), written by ``System.export_intake_sabt`` into the data
    folder's ``intake/`` — kept, so a lost download is made again rather than lost: (students
    written, its path, its download name ``ImportToSabt-online-<Jalali time>.xlsx``). The API
    and the pages both make it here."""
    at = jalali_now()
    name = f"ImportToSabt-online-{at.replace(' ', '-').replace(':', '')}.xlsx"
    path = state.settings.data_dir / "intake" / name
    path.parent.mkdir(parents=True, exist_ok=True)
    count = state.system.export_intake_sabt(path, state.policy, at=at,
                                            include_exported=include_exported)
    return count, path, name
