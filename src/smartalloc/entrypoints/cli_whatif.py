"""`smartalloc whatif`: how many more students an optimal assignment would place than the
policy did, on a run's inputs — a what-if, never a decision (nothing recorded or written but
the optional JSON report)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from smartalloc.bootstrap import bootstrap, read_overrides
from smartalloc.domain.gc_pause import allow_in_this_process
from smartalloc.domain.whatif import WhatIfReport, report_json
from smartalloc.entrypoints import render
from smartalloc.entrypoints.inputs import choose_policy, resolve_inputs

Opt = typer.Option
PathOpt = Annotated[Path | None, Opt(dir_okay=False)]
SHOWN = 20


def whatif(
    agency: Annotated[Path | None, Opt(file_okay=False, help="Folder with the Kanoon exports")] = None,
    inspactor: PathOpt = None, schools: PathOpt = None, students: PathOpt = None,
    managers: PathOpt = None, crosswalk: PathOpt = None, roster: PathOpt = None,
    policy: PathOpt = None, year: int | None = None, overrides: PathOpt = None,
    database_url: Annotated[str | None, Opt("--database-url", envvar="DATABASE_URL")] = None,
    json_out: Annotated[Path | None, Opt("--json", dir_okay=False,
                                         help="Also write the whole report as JSON")] = None,
) -> None:
    """What-if: the most students an optimal assignment would place, beside the policy."""
    allow_in_this_process()
    pol = choose_policy(agency, policy)
    paths = resolve_inputs(agency, inspactor=inspactor, schools=schools, students=students,
                           managers=managers, crosswalk=crosswalk, roster=roster)
    timings: dict[str, float] = {}
    report = bootstrap(database_url).what_if(
        paths, pol, year=year, overrides=read_overrides(overrides) if overrides else {},
        timings=timings)
    _show(report, timings)
    if json_out is not None:
        json_out.write_text(report_json(report), "utf-8")
        render.console.print(f"گزارش فرضی / what-if report: {json_out}")


def _show(report: WhatIfReport, timings: dict[str, float]) -> None:
    console = render.console
    console.print("[bold]فرضی — تصمیم نیست / WHAT-IF — not a decision[/bold]")
    console.print(f"دانش‌آموزان رقیب / students competing for a seat: {report.competing}")
    console.print(f"جای‌گرفته با سیاست / placed by the policy: {report.policy_placed}")
    console.print(f"جای‌گرفته در بهینه / placed by the optimum: {report.optimum_placed} "
                  f"(+{report.gain})")
    if report.combos:
        table = Table(title="ترکیب‌هایی که بهینه بیشتر جا می‌دهد / combinations the optimum "
                            "places more of")
        for column in ("keys", "students", "policy", "optimum"):
            table.add_column(column)
        for line in report.combos[:SHOWN]:
            table.add_row(", ".join(map(str, line.keys)), str(line.students), str(line.policy),
                          str(line.optimum))
        console.print(table)
    if report.reservations:
        table = Table(title="پیشنهاد رزرو جا / suggested reservations")
        for column in ("keys", "mentor", "seats"):
            table.add_column(column)
        for r in report.reservations[:SHOWN]:
            table.add_row(", ".join(map(str, r.keys)), r.mentor_id, str(r.seats))
        console.print(table)
    console.print(" ".join(f"{k} {v:.2f}s" for k, v in timings.items()), style="dim")
