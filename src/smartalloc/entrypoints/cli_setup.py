"""`smartalloc setup`: an agency's first week — each manager's centre and the academic year,
asked of the operator and written as the agency's policy.json (issue G, D16, FR-44)."""

from __future__ import annotations

import getpass
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from smartalloc.bootstrap import bootstrap, write_policy
from smartalloc.domain.centres import BY_MAP, RESOLVED_BY_FA, CentreResolution, ManagerCentre
from smartalloc.domain.contracts import CENTER_LABELS
from smartalloc.domain.errors import ConfigurationError, Problem
from smartalloc.domain.normalize import name_key, parse_int
from smartalloc.domain.policy import Policy
from smartalloc.entrypoints import render
from smartalloc.entrypoints.clock import jalali_now
from smartalloc.entrypoints.inputs import choose_policy, resolve_inputs
from smartalloc.service_layer.setup_agency import (
    AgencySetup,
    agency_policy,
    describe_agency,
    save_profile,
)

Opt = typer.Option
PathOpt = Annotated[Path | None, Opt(dir_okay=False)]


def setup(
    agency: Annotated[Path | None, Opt(file_okay=False, help="Folder with the Kanoon exports")] = None,
    inspactor: PathOpt = None, roster: PathOpt = None,
    policy: Annotated[Path | None, Opt(dir_okay=False, help=(
        "Policy to start from; default: DIR/policy.json of --agency, else the built-in one"))] = None,
    out: Annotated[Path | None, Opt(dir_okay=False, help=(
        "Where to write the agency's policy; default: DIR/policy.json"))] = None,
    centre: Annotated[list[str] | None, Opt("--centre", help=(
        'Answer in advance: "manager name=centre" (0 central, 1 Golestan, 2 Sadra); repeatable'
    ))] = None,
    default_centre: Annotated[int | None, Opt(help=(
        'Centre of every manager not answered (written as "*"; each one is still listed)'))] = None,
    year: Annotated[int | None, Opt(help="Jalali academic year (default: inferred, asked if unsure)")] = None,
    no_input: Annotated[bool, Opt("--no-input", help="Never ask: stop when an answer is missing")] = False,
    reason: Annotated[str, Opt(help="Why (kept with the stored version)")] = "راه‌اندازی نمایندگی",
    database_url: Annotated[str | None, Opt("--database-url", envvar="DATABASE_URL", help=(
        "Where the profile is stored; default: the SQLite file in the user data dir"))] = None,
) -> None:
    """Give every manager of the InspactorReport its centre and confirm the academic year;
    stores the agency's profile (a new audited version in the database) and writes it as
    policy.json, which `run --agency DIR` then uses."""
    base = choose_policy(agency, policy)
    paths = resolve_inputs(agency, required=("inspactor",), inspactor=inspactor,
                           schools=None, students=None, managers=None, crosswalk=None,
                           roster=roster)
    target = out or (agency / "policy.json" if agency else None)
    system = bootstrap(database_url)
    found = describe_agency(paths.inspactor, paths.roster, base, reader=system.reader)
    _show_managers(found.centres)
    answers = _answers(found.centres, centre or [], base)
    asked = _ask_centres(found.centres, answers, base, default_centre, no_input)
    chosen_year = _year(found, year, no_input)
    written = agency_policy(base, asked, chosen_year, default=default_centre,
                            source=str(target or "setup"))
    saved = save_profile(written, system.profiles(), by=getpass.getuser(),
                         at=jalali_now(), reason=reason)
    render.console.print(f"نسخهٔ {saved.version} پروفایل نمایندگی ذخیره شد / agency profile "
                         f"version {saved.version} stored (academic year {chosen_year})",
                         soft_wrap=True)
    if target is not None:
        write_policy(target, written)
        render.console.print(f"نوشته شد / written: {target} ({written.stamp})", soft_wrap=True)
    where = f"--agency {agency}" if agency else "--inspactor … --schools … --students …"
    render.console.print(f"اجرای بعدی / next: smartalloc run {where} --out OUT", soft_wrap=True)


def _show_managers(centres: CentreResolution) -> None:
    table = Table(title="مدیران گزارش پشتیبان‌ها / managers of the InspactorReport")
    for col in ("#", "مدیر / manager", "پشتیبان / mentors", "مرکز / centre", "از کجا / how"):
        table.add_column(col)
    for i, m in enumerate(centres.managers, start=1):
        shown = "—" if m.centre is None else f"{m.centre} {CENTER_LABELS.get(m.centre, '')}"
        table.add_row(str(i), m.manager, str(m.mentors), shown, RESOLVED_BY_FA[m.resolved_by])
    render.console.print(table)


def _answers(centres: CentreResolution, given: list[str], policy: Policy) -> dict[str, int]:
    """``--centre "name=N"`` entries, matched to the report's managers by ``name_key``."""
    by_key = {name_key(m.manager): m.manager for m in centres.managers}
    out: dict[str, int] = {}
    for n, entry in enumerate(given, start=1):
        name, _, value = entry.rpartition("=")
        manager = by_key.get(name_key(name))
        if manager is None or not value.strip().isdecimal() or int(value) not in policy.center_ids:
            raise typer.BadParameter(
                f"entry {n} must be \"manager name=centre\" with a manager of the report and a "
                f"centre of {policy.center_ids}", param_hint="--centre")
        out[manager] = int(value)
    return out


def _ask_centres(centres: CentreResolution, answers: dict[str, int], policy: Policy,
                 default: int | None, no_input: bool) -> dict[str, int]:
    """Every manager's centre: the base map's, an answer, a prompt — or a clear stop."""
    result: dict[str, int] = {}
    missing: list[ManagerCentre] = []
    for m in centres.managers:
        if m.manager in answers:
            result[m.manager] = answers[m.manager]
        elif m.resolved_by == BY_MAP and m.centre is not None:
            result[m.manager] = m.centre
        elif default is not None:
            continue                             # written as "*", listed in every run
        elif no_input:
            missing.append(m)
        else:
            result[m.manager] = _prompt_centre(m, policy)
    if missing:
        rows = ", ".join(str(m.first_row) for m in missing)
        raise ConfigurationError(Problem(
            "CENTRE_UNMAPPED",
            f"مرکز {len(missing)} مدیر پاسخ داده نشد (ردیف‌های {rows})؛ --centre یا "
            "--default-centre بدهید یا بدون --no-input اجرا کنید",
            f"{len(missing)} manager(s) have no centre (rows {rows}); pass --centre or "
            "--default-centre, or run without --no-input to be asked"))
    return result


def _prompt_centre(m: ManagerCentre, policy: Policy) -> int:
    choices = " / ".join(f"{c} {CENTER_LABELS.get(c, '')}" for c in policy.center_ids)
    while True:
        value = parse_int(typer.prompt(f"مرکز «{m.manager}» ({m.mentors} پشتیبان) — {choices}"))
        if value in policy.center_ids:
            return value
        render.err_console.print(f"یکی از {policy.center_ids} / one of {policy.center_ids}")


def _year(found: AgencySetup, given: int | None, no_input: bool) -> int:
    evidence = found.year
    render.console.print(
        f"سال تحصیلی / academic year — roster: {evidence.from_roster or '—'}, file names: "
        f"{evidence.from_files or '—'} ({', '.join(evidence.file_dates) or '—'}), policy: "
        f"{evidence.policy_year}", soft_wrap=True)
    if given is not None:
        return given
    if evidence.agreed is not None:
        return evidence.agreed
    if no_input:
        raise ConfigurationError(Problem(
            "YEAR_UNCERTAIN", "سال تحصیلی از فایل‌ها معلوم نشد یا ناسازگار است؛ --year بدهید",
            "the academic year is unclear or inconsistent in the files; pass --year"))
    return int(typer.prompt("سال تحصیلی / academic year", default=evidence.suggested, type=int))

