"""`smartalloc review export | versions`: a run's ImportToSabt after review (issue K).

`export` makes the next version of a run's export from the database's allocations and the
reports the run read (the same options as `review assign`): the whole ImportToSabt, the
correction upload with only the changed rows, and QA on the reviewed set. `versions` lists a
run's versions. Registered on `review_app` (``cli_review``) by ``cli``.
"""

from __future__ import annotations

import getpass
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from smartalloc.bootstrap import bootstrap, read_overrides
from smartalloc.domain import glossary
from smartalloc.entrypoints import render
from smartalloc.entrypoints.cli_review import Agency, By, DbOpt, PathOpt, review_app
from smartalloc.entrypoints.clock import jalali_now
from smartalloc.entrypoints.inputs import choose_policy, resolve_inputs

RunId = Annotated[str, typer.Argument(help="The run (its id, as `history` and the pages show)")]
Out = Annotated[Path | None, typer.Option(file_okay=False, help=(
    "Where the versions go (default: the run's own output folder, under review/<run>/)"))]


@review_app.command("export")
def export(run_id: RunId, by: By = None, out: Out = None, agency: Agency = None,
           inspactor: PathOpt = None, schools: PathOpt = None, students: PathOpt = None,
           crosswalk: PathOpt = None, roster: PathOpt = None, policy: PathOpt = None,
           overrides: PathOpt = None, database_url: DbOpt = None) -> None:
    """Make the next version of a run's ImportToSabt after review, with the changes-only
    workbook for the correction upload and QA."""
    chosen = choose_policy(agency, policy)
    paths = resolve_inputs(agency, inspactor=inspactor, schools=schools, students=students,
                           crosswalk=crosswalk, roster=roster)
    version = bootstrap(database_url).export_after_review(
        run_id.strip(), paths, chosen, by=by or getpass.getuser(), at=jalali_now(), root=out,
        overrides=read_overrides(overrides) if overrides else {})
    render.console.print(
        f"نسخه {version.version} / version {version.version}: {version.rows} rows, "
        f"{version.changed} changed, {version.exceptions} exceptions; {_qa(version.qa_status)}\n"
        f"{version.folder}")


def _qa(status: str) -> str:
    return (f"{glossary.fa(glossary.QA_STATUSES, status)} / "
            f"{glossary.en(glossary.QA_STATUSES, status)}")


@review_app.command("versions")
def versions(run_id: RunId, database_url: DbOpt = None) -> None:
    """A run's export versions after review, oldest first (version 1 is the run's own)."""
    table = Table(title="نسخه‌های خروجی / export versions")
    for col in ("نسخه / version", "زمان / at", "توسط / by", "ردیف‌ها / rows",
                "تغییرات / changed", "استثناها / exceptions", "کنترل کیفیت / QA",
                "پوشه / folder"):
        table.add_column(col)
    for v in bootstrap(database_url).review_exports().versions(run_id.strip()):
        table.add_row(str(v.version), v.made_at, v.made_by, str(v.rows), str(v.changed),
                      str(v.exceptions), _qa(v.qa_status), v.folder)
    render.console.print(table)
