"""`smartalloc intake export`: the live entries queued since the last export (issue L), as a
student report the weekly batch reads (`smartalloc run --students FILE`).

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

intake_app = typer.Typer(no_args_is_help=True,
                         help="Live Gravity Forms entries (issue L): hand the queue to the batch.")


@intake_app.command()
def export(
    out: Annotated[Path, typer.Option("--out", dir_okay=False,
                                      help="Workbook to write (sheet Sabt (5))")],
    all_: Annotated[bool, typer.Option("--all", help="Every queued entry, exported or not")]
    = False,
    database_url_: Annotated[str | None, typer.Option(
        "--database-url", help="SQLAlchemy URL; default $DATABASE_URL, else the SQLite file "
        "in the user data directory")] = None,
) -> None:
    """Write the queued entries (arrival order) as a student report; mark them exported."""
    count = bootstrap(database_url_).export_intake(out, at=jalali_now(),
                                                   include_exported=all_)
    if count:
        render.console.print(f"{count} entries written to {out} / {count} ورودی در {out} "
                             "نوشته شد")
    else:
        render.console.print("no queued entries: nothing written / ورودی در صف نیست؛ فایلی "
                             "نوشته نشد")
