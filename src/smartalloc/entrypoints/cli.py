"""`smartalloc` command line: run, matrix, explain, generate, demo, history, policy."""

from __future__ import annotations

import atexit
import os
import shutil
import sys
import threading
import traceback
from pathlib import Path
from typing import Annotated

import platformdirs
import typer
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

from smartalloc.bootstrap import (
    bootstrap,
    close_databases,
    load_policy,
    matrix_only,
    policy_json_schema,
    read_overrides,
    sqlite_url,
    start_reading,
)
from smartalloc.domain.errors import SmartAllocError
from smartalloc.domain.gc_pause import allow_in_this_process
from smartalloc.domain.teardown import exiting_without_teardown
from smartalloc.entrypoints import render, telemetry
from smartalloc.entrypoints.cli_api import service_app
from smartalloc.entrypoints.cli_db import db_app
from smartalloc.entrypoints.cli_intake import intake_app
from smartalloc.entrypoints.cli_mentors import mentors_app
from smartalloc.entrypoints.cli_relay import relay_app
from smartalloc.entrypoints.cli_review import review_app
from smartalloc.entrypoints.cli_review_export import export as _registers_review_export  # noqa: F401
from smartalloc.entrypoints.cli_setup import setup
from smartalloc.entrypoints.cli_whatif import whatif
from smartalloc.entrypoints.clock import jalali_date, jalali_today
from smartalloc.entrypoints.inputs import choose_policy, resolve_inputs
from smartalloc.entrypoints.private_files import private_files
from smartalloc.service_layer.run_reports import RunRequest

app = typer.Typer(add_completion=False, no_args_is_help=True,
                  help="SmartAlloc: policy-first student → mentor allocation.")
history_app = typer.Typer(no_args_is_help=True, help="Allocation history (the local store).")
policy_app = typer.Typer(no_args_is_help=True, help="Policy file tools.")
app.add_typer(history_app, name="history")
app.add_typer(mentors_app, name="mentors")
app.add_typer(db_app, name="db")
app.add_typer(relay_app, name="relay")
app.add_typer(review_app, name="review")   # manual review (issue K)
app.add_typer(intake_app, name="intake")   # live Gravity Forms entries (issue L)
app.add_typer(policy_app, name="policy")
app.add_typer(service_app)  # serve, users (issue C)
app.command()(setup)        # the agency's managers → centres and academic year (issue G)
app.command()(whatif)       # how many more an optimal assignment would place (issue M)

Opt = typer.Option
PathOpt = Annotated[Path | None, Opt(dir_okay=False)]


DbOpt = Annotated[str | None, Opt("--database-url", envvar="DATABASE_URL",
                                  help="SQLAlchemy URL; default: a SQLite file in the user data dir")]


def _progress() -> Progress:
    return Progress(TextColumn("{task.description:<10}"), BarColumn(), TextColumn("{task.percentage:>3.0f}%"),
                    TimeElapsedColumn(), console=render.err_console, transient=True)


def _run(args: dict) -> None:
    allow_in_this_process()   # a batch process: the collector may pause around bulk work
    policy = choose_policy(args["agency"], args["policy"])
    paths = resolve_inputs(args["agency"], inspactor=args["inspactor"], schools=args["schools"],
                           students=args["students"], managers=args["managers"],
                           crosswalk=args["crosswalk"], roster=args["roster"])
    overrides = read_overrides(args["overrides"]) if args["overrides"] else {}
    with start_reading(paths) as reader:   # before the store: its check starts on core two
        system = bootstrap(args["database_url"], reader=reader)
        telemetry.configure_from_settings("cli")   # the run's spans, when traces are on
        request = RunRequest(paths, policy, args["out"], year=args["year"], overrides=overrides,
                             now=jalali_date(args["date"]) if args.get("date") else jalali_today(),
                             event_key=system.event_key, trace_sheet=bool(args.get("trace")),
                             explanations=bool(args.get("explanations")))
        with _progress() as bar:
            task = bar.add_task("start", total=100)

            def progress(stage: str, fraction: float, detail: dict | None = None) -> None:
                if detail is None:   # a sub-step may come from a forked writer: not its terminal
                    bar.update(task, completed=fraction * 100, description=stage)

            result = system.run(request, progress)
    render.show_run(result)
    if result.qa_status != "PASSED_QA":
        render.err_console.print(
            f"QA: {result.qa_status} — نتیجه در تاریخچه ثبت نشد؛ qa.xlsx را ببینید / the allocations "
            "were NOT recorded in history; see qa.xlsx")
        raise typer.Exit(4)


@app.command()
def run(
    out: Annotated[Path, Opt(help="Output folder for the workbooks")],
    agency: Annotated[Path | None, Opt(file_okay=False, help="Folder with the Kanoon exports")] = None,
    inspactor: PathOpt = None, schools: PathOpt = None, students: PathOpt = None,
    managers: PathOpt = None, crosswalk: PathOpt = None, roster: PathOpt = None,
    policy: Annotated[Path | None, Opt(dir_okay=False, help=(
        "Policy JSON; default: DIR/policy.json of --agency, else the built-in policy"))] = None,
    year: Annotated[int | None, Opt(help="Jalali academic year")] = None,
    overrides: Annotated[Path | None, Opt(help="JSON {mentor_id: bool} or CSV mentor_id,enabled")] = None,
    database_url: DbOpt = None,
    date: Annotated[str | None, Opt(help=(
        "Allocation date, Jalali (1405/09/15); default: today in Tehran. The same inputs, "
        "policy and date give byte-identical workbooks"))] = None,
    trace: Annotated[bool, Opt("--trace", help=(
        "Also write every student's 8-stage trace as a sheet of allocation.xlsx (off by "
        "default: `smartalloc explain` shows any student's trace on demand)"))] = False,
    explanations: Annotated[bool, Opt("--explanations", help=(
        "Also keep every student's explanation (explain.sqlite, as the service's runs do): "
        "`smartalloc review list` then shows each unallocated student's class, reason and "
        "capacity-plan line (off by default: seconds at 100k students)"))] = False,
) -> None:
    """Run the whole pipeline: matrix, allocation, codes, ImportToSabt, QA, history."""
    _run(locals())


@app.command()
def matrix(
    out: Annotated[Path, Opt(help="Output folder")],
    agency: Annotated[Path | None, Opt(file_okay=False)] = None,
    inspactor: PathOpt = None, schools: PathOpt = None, students: PathOpt = None,
    crosswalk: PathOpt = None, policy: PathOpt = None, overrides: PathOpt = None,
) -> None:
    """Build only the eligibility matrix workbook (+ CSV)."""
    allow_in_this_process()
    pol = choose_policy(agency, policy)
    paths = resolve_inputs(agency, required=("inspactor", "schools"), inspactor=inspactor,
                           schools=schools, students=students, crosswalk=crosswalk)
    files = matrix_only(paths, pol, out, read_overrides(overrides) if overrides else {})
    for f in files:
        render.console.print(str(f))


@app.command()
def explain(
    national_id: Annotated[str, Opt("--national-id", help="The student's national id")],
    agency: Annotated[Path | None, Opt(file_okay=False)] = None,
    inspactor: PathOpt = None, schools: PathOpt = None, students: PathOpt = None,
    crosswalk: PathOpt = None, roster: PathOpt = None, policy: PathOpt = None,
    year: int | None = None, database_url: DbOpt = None, overrides: PathOpt = None,
    mentor: Annotated[list[str] | None, Opt(help="Also say why this mentor was not chosen")] = None,
) -> None:
    """Explain one student's decision: 8 stages, candidates, winner, why not mentor X."""
    from smartalloc.domain.national_id import normalize_national_id

    allow_in_this_process()
    pol = choose_policy(agency, policy)
    paths = resolve_inputs(agency, inspactor=inspactor, schools=schools, students=students,
                           crosswalk=crosswalk, roster=roster)
    exp = bootstrap(database_url).explain(
        paths, pol, normalize_national_id(national_id), year=year, mentors=tuple(mentor or ()),
        overrides=read_overrides(overrides) if overrides else {})
    if exp is None:
        render.err_console.print(f"national id {national_id} is not in the student report / "
                                 "این کد ملی در گزارش دانش‌آموزان نیست")
        raise typer.Exit(1)
    render.show_explanation(exp)


@app.command()
def generate(
    out: Annotated[Path, Opt(file_okay=False)],
    students: Annotated[int, Opt(min=20, max=200_000)] = 1000,
    mentors: Annotated[int, Opt(min=20, max=5000)] = 200,
    seed: int = 1404, policy: PathOpt = None,
    name_variants: Annotated[bool, Opt(help=(
        "Spell a third of the manager names as the field does (ZWNJ, ي/ك, bidi marks)"))] = False,
) -> None:
    """Generate a synthetic agency (all Kanoon workbooks) — no real personal data."""
    from smartalloc.synthetic import generate_agency

    agency = generate_agency(out, students=students, mentors=mentors, seed=seed,
                             policy=load_policy(policy), name_variants=name_variants)
    render.console.print(f"synthetic agency written to {agency.out_dir}")


@app.command()
def demo(
    out: Annotated[Path, Opt(file_okay=False)] = Path("demo-out"),
    students: int = 1000, mentors: int = 200, seed: int = 1404,
) -> None:
    """Generate a synthetic agency and run the whole pipeline on it (embedded, no server)."""
    from smartalloc.synthetic import generate_agency

    shutil.rmtree(out, ignore_errors=True)
    policy = load_policy(None)
    render.console.print(f"1/3 generating a synthetic agency ({students} students, {mentors} mentors)")
    agency = generate_agency(out / "agency", students=students, mentors=mentors, seed=seed,
                             policy=policy)
    url = sqlite_url((out / "smartalloc.sqlite").resolve())
    seeded = bootstrap(url).import_history(agency.history_seed)
    render.console.print(f"2/3 database {url} seeded with {seeded} earlier allocations")
    render.console.print("3/3 running the pipeline")
    _run({"policy": agency.policy, "agency": agency.out_dir, "inspactor": None, "schools": None,
          "students": None, "managers": None, "crosswalk": None, "roster": None,
          "overrides": None, "out": out / "run", "year": None, "database_url": url})


@history_app.command("search")
def history_search(national_id: Annotated[str, Opt("--national-id")],
                   database_url: DbOpt = None) -> None:
    """Show the recorded allocation of a national id."""
    entries = bootstrap(database_url).search_history(national_id)
    if not entries:
        render.console.print("no allocation recorded / سابقه‌ای ثبت نشده است")
        raise typer.Exit(1)
    for e in entries:
        render.console.print(f"{e.national_id}: mentor {e.mentor_id}, code {e.code}, keys {e.keys}, "
                             f"channel {e.channel}, at {e.allocated_at}, run {e.run_id}")


@history_app.command("import")
def history_import(seed_file: Path, database_url: DbOpt = None) -> None:
    """Load earlier allocations (sheet `history`) into the store."""
    n = bootstrap(database_url).import_history(seed_file)
    render.console.print(f"{n} entries imported")


@policy_app.command("schema")
def policy_schema(out: PathOpt = None) -> None:
    """Print (or write) the JSON Schema of the policy file."""
    text = policy_json_schema()
    if out:
        out.write_text(text, "utf-8")
    else:
        sys.stdout.write(text)


@policy_app.command("check")
def policy_check(path: Path) -> None:
    """Validate a policy file; prints its version stamp."""
    render.console.print(f"valid policy {load_policy(path).stamp}")


def main() -> None:
    """Entry point: expected errors become a bilingual message and exit code 2, anything else
    a short message, a crash log and exit code 3 — never a raw traceback."""
    private_files()
    try:
        # Not standalone, typer *returns* the code of a ``typer.Exit`` instead of exiting with
        # it: dropping it made exit codes 1 and 4 (QA failed) come out as 0.
        code = app(standalone_mode=False)
        if isinstance(code, int) and code:
            sys.exit(code)
    except SmartAllocError as error:
        render.show_error(error)
        sys.exit(error.exit_code)
    except typer.Exit as done:
        sys.exit(done.exit_code)
    except (typer.Abort, KeyboardInterrupt):
        render.err_console.print("cancelled / لغو شد")
        sys.exit(130)
    except Exception as exc:  # usage errors carry their own message
        from typer import _click  # typer ships its own click; its exceptions live here

        if isinstance(exc, _click.exceptions.ClickException):
            exc.show()
            sys.exit(exc.exit_code)
        log = Path(platformdirs.user_log_dir("smartalloc")) / "crash.log"
        log.parent.mkdir(parents=True, exist_ok=True)
        log.write_text(traceback.format_exc(), "utf-8")
        render.err_console.print(
            f"خطای داخلی رخ داد؛ هیچ خروجی ناقصی نوشته نشد. گزارش: {log}\n"
            f"internal error ({type(exc).__name__}); no partial output was written. Report: {log}")
        sys.exit(3)


def console() -> None:
    """The ``smartalloc`` command: ``main``, then a quick exit. The process closes what it
    opened (database connections, so SQLite checkpoints its WAL; the exit functions, which
    flush logs and remove temporary folders; the standard streams) and leaves without the
    interpreter's teardown, which only frees memory the system frees at exit anyway: 0.1–0.2 s
    of every command (issue P, docs/decisions.md). A thread still running, or an
    exception ``main`` does not turn into an exit code, takes the ordinary way out."""
    exiting_without_teardown()
    try:
        main()
        code: object = 0
    except SystemExit as done:
        code = done.code
    if threading.active_count() > 1:
        sys.exit(code)
    if code is None:
        code = 0
    elif not isinstance(code, int):     # as the interpreter does: the text, then status 1
        print(code, file=sys.stderr)
        code = 1
    close_databases()
    atexit._run_exitfuncs()
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except (OSError, ValueError):   # a closed pipe: nothing more can be said on it
            code = code or 120
    os._exit(code)


if __name__ == "__main__":
    console()
