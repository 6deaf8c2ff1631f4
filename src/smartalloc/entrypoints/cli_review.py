"""`smartalloc review …`: the operator's last word over the allocations, audited (issue K).

The same inputs as `explain` give the student's eligible mentors (its matrix rows); the
database gives its allocation, the mentor's seats and the counter. The command line is the
database owner's, so an exception outside the matrix (`--exception`) is allowed here as it is
to an administrator on the pages.
"""

from __future__ import annotations

import getpass
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from smartalloc.bootstrap import bootstrap, read_overrides
from smartalloc.domain.national_id import normalize_national_id
from smartalloc.domain.normalize import digits_only
from smartalloc.domain.review import ReviewAction, ReviewChange, ReviewRequest
from smartalloc.entrypoints import render
from smartalloc.entrypoints.clock import jalali_now
from smartalloc.entrypoints.inputs import choose_policy, resolve_inputs

review_app = typer.Typer(no_args_is_help=True,
                         help="Manual review: assign, move or release a student (audited).")
Opt = typer.Option
PathOpt = Annotated[Path | None, Opt(dir_okay=False)]
DbOpt = Annotated[str | None, Opt("--database-url", envvar="DATABASE_URL")]
Nid = Annotated[str, typer.Argument(help="The student's national id")]
Mentor = Annotated[str, Opt("--mentor", help="The mentor's id (Persian digits are fine)")]
Reason = Annotated[str, Opt("--reason", help="Why (required; kept in the audit)")]
By = Annotated[str | None, Opt("--by", help="Who (default: the login name)")]
Agency = Annotated[Path | None, Opt(file_okay=False, help="Folder with the Kanoon exports")]
Exception_ = Annotated[bool, Opt("--exception", help=(
    "Allow a mentor outside the student's matrix rows (flagged as an exception everywhere)"))]


def _act(action: ReviewAction, national_id: str, mentor: str, reason: str, by: str | None,
         exception: bool, inputs: dict) -> None:
    policy = choose_policy(inputs["agency"], inputs["policy"])
    paths = resolve_inputs(inputs["agency"], inspactor=inputs["inspactor"],
                           schools=inputs["schools"], students=inputs["students"],
                           crosswalk=inputs["crosswalk"], roster=inputs["roster"])
    request = ReviewRequest(normalize_national_id(national_id), action,
                            digits_only(mentor).strip(), reason, by or getpass.getuser(),
                            jalali_now(), exception)
    overrides = read_overrides(inputs["overrides"]) if inputs["overrides"] else {}
    change = bootstrap(inputs["database_url"]).review_action(
        request, paths, policy, admin=True, year=inputs["year"], overrides=overrides)
    _show(change)


def _show(change: ReviewChange) -> None:
    before, after = change.from_mentor or "—", change.to_mentor or "—"
    flag = " (استثنا / exception)" if change.exception else ""
    render.console.print(f"{change.action}: {before} → {after}{flag}; code {change.code}; "
                         f"by {change.by} at {change.at}; reason: {change.reason}")


@review_app.command()
def assign(national_id: Nid, mentor: Mentor, reason: Reason, by: By = None,
           exception: Exception_ = False, agency: Agency = None, inspactor: PathOpt = None,
           schools: PathOpt = None, students: PathOpt = None, crosswalk: PathOpt = None,
           roster: PathOpt = None, policy: PathOpt = None, year: int | None = None,
           overrides: PathOpt = None, database_url: DbOpt = None) -> None:
    """Give an unallocated student a mentor with a free seat (a code of the year is issued,
    or the student's own kept)."""
    _act(ReviewAction.ASSIGN, national_id, mentor, reason, by, exception, locals())


@review_app.command()
def move(national_id: Nid, mentor: Mentor, reason: Reason, by: By = None,
         exception: Exception_ = False, agency: Agency = None, inspactor: PathOpt = None,
         schools: PathOpt = None, students: PathOpt = None, crosswalk: PathOpt = None,
         roster: PathOpt = None, policy: PathOpt = None, year: int | None = None,
         overrides: PathOpt = None, database_url: DbOpt = None) -> None:
    """Move an allocated student to another mentor (one seat freed, one taken; code kept)."""
    _act(ReviewAction.MOVE, national_id, mentor, reason, by, exception, locals())


@review_app.command()
def release(national_id: Nid, reason: Reason, by: By = None, agency: Agency = None,
            inspactor: PathOpt = None, schools: PathOpt = None, students: PathOpt = None,
            crosswalk: PathOpt = None, roster: PathOpt = None, policy: PathOpt = None,
            year: int | None = None, overrides: PathOpt = None,
            database_url: DbOpt = None) -> None:
    """Release a student: its seat is freed; its code stays its own (D15)."""
    _act(ReviewAction.RELEASE, national_id, "", reason, by, False, locals())


@review_app.command("log")
def log(national_id: Annotated[str | None, typer.Argument(help="Only this student")] = None,
        database_url: DbOpt = None) -> None:
    """The review audit: every change, oldest first."""
    nid = normalize_national_id(national_id) if national_id else None
    table = Table(title="review / بازبینی")
    for col in ("at", "by", "action", "national id", "from", "to", "code", "exception",
                "reason"):
        table.add_column(col)
    for c in bootstrap(database_url).review().changes(nid):
        table.add_row(c.at, c.by, str(c.action), c.national_id, c.from_mentor, c.to_mentor,
                      c.code, "✓" if c.exception else "", c.reason)
    render.console.print(table)
