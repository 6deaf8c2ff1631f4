"""`smartalloc intake export`: the live entries queued since the last export (issue L), as a
student report the weekly batch reads (`smartalloc run --students FILE`); `smartalloc intake
sabt`: the students allocated on arrival, as the ImportToSabt upload no batch makes for them.

The smaller honest hand-over of slice 1: the batch itself is unchanged and reads the file
like any Gravity Forms export; entries are marked exported so next week's file holds only the
new ones (``--all`` writes every queued entry again, e.g. when a file was lost).
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from smartalloc.bootstrap import bootstrap
from smartalloc.entrypoints import render
from smartalloc.entrypoints.clock import jalali_now
from smartalloc.entrypoints.inputs import choose_policy

intake_app = typer.Typer(no_args_is_help=True,
                         help="Live Gravity Forms entries (issue L): hand the queue to the batch, "
                         "and the students allocated on arrival to Sabt.")


DbOpt = Annotated[str | None, typer.Option(
    "--database-url", help="SQLAlchemy URL; default $DATABASE_URL, else the SQLite file in the "
    "user data directory")]


@intake_app.command()
def export(
    out: Annotated[Path, typer.Option("--out", dir_okay=False,
                                      help="Workbook to write (sheet Sabt (5))")],
    all_: Annotated[bool, typer.Option("--all", help="Every queued entry, exported or not")]
    = False,
    database_url_: DbOpt = None,
) -> None:
    """Write the queued entries (arrival order) as a student report; mark them exported."""
    _said(bootstrap(database_url_).export_intake(out, at=jalali_now(), include_exported=all_),
          out, "no queued entries", "ورودی در صف نیست")


@intake_app.command()
def sabt(
    out: Annotated[Path, typer.Option("--out", dir_okay=False,
                                      help="ImportToSabt workbook to write")],
    all_: Annotated[bool, typer.Option("--all", help="Every student allocated on arrival, "
                                                     "in an earlier file or not")] = False,
    agency: Annotated[Path | None, typer.Option(file_okay=False, help="Folder whose "
                                                "policy.json to use")] = None,
    policy: Annotated[Path | None, typer.Option(dir_okay=False)] = None,
    database_url_: DbOpt = None,
) -> None:
    """Write the students allocated on arrival since the last file as an ImportToSabt workbook
    (the upload that registers them in Kanoon's system; the weekly batch skips them)."""
    chosen = choose_policy(agency, policy)
    _said(bootstrap(database_url_).export_intake_sabt(out, chosen, at=jalali_now(),
                                                      include_exported=all_),
          out, "no student allocated on arrival since the last file",
          "دانش‌آموز تازه‌ای هنگام ثبت‌نام تخصیص نیافته است")


def _said(count: int, out: Path, none_en: str, none_fa: str) -> None:
    if count:
        render.console.print(f"{count} entries written to {out} / {count} ورودی در {out} "
                             "نوشته شد")
    else:
        render.console.print(f"{none_en}: nothing written / {none_fa}؛ فایلی نوشته نشد")
