"""The files of a version of a run's export after review (issue K), written all or none.

A version lives in ``<out>/review/<run id>/v<n>/`` beside the run's own workbooks:

- ``import_to_sabt.xlsx`` — the whole ImportToSabt as the database holds it now;
- ``import_to_sabt_changes.xlsx`` — the correction upload: Sheet2 with only the rows that
  changed since the previous version, the students released (no row any more) and the audited
  changes that did it;
- ``qa.xlsx`` — QA on the reviewed set, exceptions listed.

The files are written into ``.v<n>.partial``, flushed, and the folder renamed to ``v<n>``
before the version is recorded; if recording fails the folder is removed. A kill between the
rename and the commit leaves a complete ``v<n>`` the history does not name: the next export of
that run takes the same number and replaces it, so a version the history names always has its
files, and its files are always whole.
"""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path

from smartalloc.adapters.publication import HIDDEN, fsync_path
from smartalloc.adapters.qa_workbook import write_qa_workbook
from smartalloc.adapters.sabt_workbook import sabt_sheets
from smartalloc.adapters.xlsx_writer import Sheet, write_workbook
from smartalloc.domain import glossary
from smartalloc.domain.policy import Policy
from smartalloc.domain.review import ReviewChange
from smartalloc.domain.review_export import VERSION_FILES
from smartalloc.service_layer.review_export import VersionFiles

FULL, CHANGES, QA = (VERSION_FILES[k] for k in ("full", "changes", "qa"))
RELEASED_SHEET, CHANGES_SHEET = "آزادشده‌ها | Released", "تغییرات | Changes"
RELEASED_COLUMNS = ("کد ملی | national_id", "کد ثبت نام | code", "پشتیبان قبلی | former mentor")
CHANGE_COLUMNS = ("شماره | number", "کد ملی | national_id", "اقدام | action",
                  "از پشتیبان | from", "به پشتیبان | to", "کد ثبت نام | code",
                  "استثنا | exception", "دلیل | reason", "توسط | by", "زمان | at")
ACTIONS = {"assign": "تخصیص | assign", "move": "جابه‌جایی | move", "release": "آزادسازی | release"}


def out_folder(run_out_dir: str) -> Path:
    """The operator's output folder of a run whose own folder is ``out/.smartalloc/runs/<x>``
    (publication's layout); a folder outside that layout is its own output folder."""
    path = Path(run_out_dir)
    return path.parents[2] if path.parent.parent.name == HIDDEN else path


class VersionFolders:
    """``ExportPublisher``: versions under ``root`` (None: each run's own output folder)."""

    def __init__(self, root: Path | None = None):
        self.root = root

    def publish(self, files: VersionFiles, policy: Policy, commit: Callable[[str], None],
                run_out_dir: str = "") -> str:
        v = files.version
        base = (self.root or out_folder(run_out_dir)) / "review" / v.run_id
        final, staging = base / f"v{v.version}", base / f".v{v.version}.partial"
        for leftover in (staging, final):   # an interrupted, unrecorded export of this number
            shutil.rmtree(leftover, ignore_errors=True)
        staging.mkdir(parents=True)
        write_version(staging, files, policy)
        for f in staging.iterdir():
            fsync_path(f)
        fsync_path(staging)
        staging.rename(final)
        fsync_path(base)
        try:
            commit(str(final))
        except BaseException:
            shutil.rmtree(final, ignore_errors=True)
            raise
        return str(final)


def write_version(folder: Path, files: VersionFiles, policy: Policy) -> None:
    rtl, font = policy.excel.right_to_left, dict(font_name=policy.excel.font_name,
                                                font_size=policy.excel.font_size)
    write_workbook(folder / FULL, sabt_sheets(files.sabt, rtl), **font)
    d = files.delta
    mentors = {c.change.national_id: c.change.from_mentor for c in d.changes
               if c.change.from_mentor}
    codes = {c.change.national_id: c.change.code for c in d.changes}
    released = [(nid, codes.get(nid, ""), mentors.get(nid, "")) for nid in d.released]
    changes = [_change_row(c.number, c.change) for c in d.changes]
    write_workbook(folder / CHANGES, [
        *sabt_sheets(files.delta_sabt, rtl),
        Sheet(RELEASED_SHEET, RELEASED_COLUMNS, released, rtl),
        Sheet(CHANGES_SHEET, CHANGE_COLUMNS, changes, rtl, column_width=None),
    ], **font)
    write_qa_workbook(folder / QA, files.qa, files.meta)


def _change_row(number: int, c: ReviewChange) -> tuple:
    return (number, c.national_id, ACTIONS.get(str(c.action), str(c.action)), c.from_mentor,
            c.to_mentor, c.code, glossary.yes_no(c.exception), c.reason, c.by, c.at)
