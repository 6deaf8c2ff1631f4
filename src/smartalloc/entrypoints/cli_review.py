"""`smartalloc review …`: the operator's last word over the allocations, audited (issue K).

The same inputs as `explain` give the student's eligible mentors (its matrix rows); the
database gives its allocation, the mentor's seats and the counter. The command line is the
database owner's, so an exception outside the matrix (`--exception`) is allowed here as it is
to an administrator on the pages. `flag`/`unflag` need no inputs (a note changes no
allocation); `list` shows what is left to review, per run or across runs.
"""

from __future__ import annotations

import getpass
from collections import Counter
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from smartalloc.bootstrap import bootstrap, read_overrides
from smartalloc.domain.national_id import normalize_national_id
from smartalloc.domain.normalize import digits_only
from smartalloc.domain.review import ACTION_WORDS, ReviewAction, ReviewChange, ReviewRequest
from smartalloc.domain.review_list import KINDS, class_words
from smartalloc.entrypoints import render
from smartalloc.entrypoints.clock import jalali_now
from smartalloc.entrypoints.inputs import choose_policy, resolve_inputs

review_app = typer.Typer(no_args_is_help=True, help=(
    "Manual review: list what is left, assign, move or release a student, flag it (audited)."))
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
    fa, en = ACTION_WORDS[change.action]
    render.console.print(f"{fa} / {en}: {before} → {after}{flag}; code {change.code}; "
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
    for col in ("زمان / at", "توسط / by", "اقدام / action", "کد ملی / national id",
                "از / from", "به / to", "کد ثبت‌نام / code", "استثنا / exception",
                "دلیل / reason"):
        table.add_column(col)
    for c in bootstrap(database_url).review().changes(nid):
        fa, en = ACTION_WORDS[c.action]
        table.add_row(c.at, c.by, f"{fa} / {en}", c.national_id, c.from_mentor, c.to_mentor,
                      c.code, "✓" if c.exception else "", c.reason)
    render.console.print(table)


def _flag(action: ReviewAction, national_id: str, reason: str, by: str | None,
          database_url: str | None) -> None:
    request = ReviewRequest(normalize_national_id(national_id), action, "", reason,
                            by or getpass.getuser(), jalali_now())
    _show(bootstrap(database_url).review_flag(request))


@review_app.command()
def flag(national_id: Nid, reason: Reason, by: By = None, database_url: DbOpt = None) -> None:
    """Flag a student for review: a note the review list shows until it is cleared."""
    _flag(ReviewAction.FLAG, national_id, reason, by, database_url)


@review_app.command()
def unflag(national_id: Nid, reason: Reason, by: By = None,
           database_url: DbOpt = None) -> None:
    """Clear a student's review flag (why: kept in the audit)."""
    _flag(ReviewAction.UNFLAG, national_id, reason, by, database_url)


Kind = Annotated[str | None, Opt("--kind", help="Only unallocated, placeholder or flagged")]


@review_app.command("list")
def list_items(run: Annotated[str | None, Opt("--run", help=(
                   "Only this run (default: across every recorded run, the latest decision "
                   "of each student)"))] = None,
               kind: Kind = None,
               resolved: Annotated[bool, Opt("--resolved", help=(
                   "Show also the items already resolved (assigned, moved to a real "
                   "mentor)"))] = False,
               limit: Annotated[int, Opt("--limit", min=0, help=(
                   "Show at most this many lines (0: all); the counts are of all"))] = 100,
               agency: Agency = None, policy: PathOpt = None,
               database_url: DbOpt = None) -> None:
    """What is left to review: unallocated students (class, reason, what to do, capacity-plan
    line), students waiting on a placeholder mentor, and flagged students."""
    chosen = choose_policy(agency, policy)   # its placeholder names and alias ranges
    items = bootstrap(database_url).review_list(chosen, run_id=run, kind=kind,
                                                include_resolved=resolved)
    counts = Counter(i.kind for i in items)
    render.console.print(" · ".join(f"{KINDS[k].fa} / {KINDS[k].en}: {counts[k]}"
                                    for k in KINDS), highlight=False)
    shown = items[:limit] if limit else items
    more = f"، {len(shown)} نمایش / {len(shown)} shown" if len(shown) < len(items) else ""
    table = Table(title=f"فهرست بازبینی / review list ({len(items)}{more})")
    for col in ("اجرا / run", "کد ملی / national id", "نوع / kind", "علت / class",
                "دلیل / reason", "اقدام پیشنهادی / suggested action",
                "برنامه ظرفیت / capacity plan", "پشتیبان / mentor", "نشان / flag",
                "حل‌شده / resolved"):
        table.add_column(col)
    for i in shown:
        flagged = f"{i.flagged_reason} ({i.flagged_by}، {i.flagged_at})" if i.flagged_by else ""
        table.add_row(i.run_id, i.national_id, KINDS[i.kind].fa,
                      class_words(i.failure_class), i.reason, i.suggested_action, i.plan_row,
                      i.mentor_id, flagged, "بله" if i.resolved else "")
    render.console.print(table)
