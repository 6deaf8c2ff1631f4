"""`smartalloc mentors …`: the mentor pool's governance (list, freeze, activate, restrict)."""

from __future__ import annotations

import getpass
from typing import Annotated

import typer
from rich.table import Table

from smartalloc.bootstrap import bootstrap
from smartalloc.domain.policy import Channel, MentorStatus
from smartalloc.entrypoints import render
from smartalloc.entrypoints.clock import jalali_now
from smartalloc.service_layer import mentor_governance
from smartalloc.service_layer.mentor_governance import ChangeMentorStatus, change_mentor_status
from smartalloc.service_layer.ports import MentorGovernanceStore

mentors_app = typer.Typer(no_args_is_help=True, help="Mentor pool governance (audited).")
Opt = typer.Option
DbOpt = Annotated[str | None, Opt("--database-url", envvar="DATABASE_URL")]
Reason = Annotated[str, Opt("--reason", help="Why (required; kept in the audit trail)")]
By = Annotated[str | None, Opt("--by", help="Who (default: the login name)")]


def _registry(url: str | None) -> MentorGovernanceStore:
    return bootstrap(url).mentors()


def _now() -> str:
    return jalali_now()


def _change(mentor_id: str, to: MentorStatus, reason: str, by: str | None, url: str | None,
            schools: tuple[int, ...] = (), channels: tuple[Channel, ...] = ()) -> None:
    command = ChangeMentorStatus(mentor_id, to, reason=reason, by=by or getpass.getuser(),
                                 at=_now(), schools=schools, channels=channels)
    change = change_mentor_status(command, _registry(url))
    render.console.print(f"mentor {change.mentor_id}: {change.from_status} → {change.to_status} "
                         f"({change.reason}) by {change.changed_by} at {change.changed_at}")
    if to in (MentorStatus.FROZEN, MentorStatus.INACTIVE):
        render.console.print(FREEZE_EFFECT, soft_wrap=True)


FREEZE_EFFECT = ("دانش‌آموزانی که پیش‌تر به این پشتیبان تخصیص یافته‌اند نزد او می‌مانند و سابقه "
                 "تغییر نمی‌کند؛ از اجرای بعدی دانش‌آموز تازه‌ای به او داده نمی‌شود / students "
                 "already allocated to this mentor stay with it (history is unchanged); from the "
                 "next run no new student is given to it")


@mentors_app.command("list")
def list_mentors(status: Annotated[str | None, Opt(help="only this status")] = None,
                 database_url: DbOpt = None) -> None:
    """Mentors known to the database with their governance status."""
    table = Table(title="mentors / پشتیبان‌ها")
    for col in ("id", "name", "manager", "status", "capacity", "covered", "schools", "channels"):
        table.add_column(col)
    for m in mentor_governance.list_mentors(_registry(database_url), status):
        table.add_row(m.mentor_id, m.name, m.manager, m.status, str(m.capacity), str(m.covered),
                      ",".join(map(str, m.allowed_schools)), ",".join(m.allowed_channels))
    render.console.print(table)


@mentors_app.command()
def freeze(mentor_id: str, reason: Reason, by: By = None, database_url: DbOpt = None) -> None:
    """Freeze: the mentor never enters a run, even when it reappears in a report."""
    _change(mentor_id, MentorStatus.FROZEN, reason, by, database_url)


@mentors_app.command()
def activate(mentor_id: str, reason: Reason, by: By = None, database_url: DbOpt = None) -> None:
    """Back to active (a freeze in the policy file itself still applies)."""
    _change(mentor_id, MentorStatus.ACTIVE, reason, by, database_url)


@mentors_app.command()
def restrict(mentor_id: str, reason: Reason,
             school: Annotated[list[int] | None, Opt(help="allowed school code")] = None,
             channel: Annotated[list[Channel] | None, Opt(help="allowed channel")] = None,
             by: By = None, database_url: DbOpt = None) -> None:
    """Restrict to some schools and/or channels."""
    _change(mentor_id, MentorStatus.RESTRICTED, reason, by, database_url,
            tuple(school or ()), tuple(channel or ()))


@mentors_app.command()
def audit(mentor_id: Annotated[str | None, typer.Argument()] = None,
          database_url: DbOpt = None) -> None:
    """The audit trail of status changes."""
    for c in mentor_governance.status_audit(_registry(database_url), mentor_id):
        render.console.print(f"{c.changed_at}  {c.mentor_id}: {c.from_status} → {c.to_status}  "
                             f"by {c.changed_by} — {c.reason}")
