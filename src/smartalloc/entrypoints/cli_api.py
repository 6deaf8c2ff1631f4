"""`smartalloc serve` and `smartalloc users add|disable|token`: the service's commands, kept
apart from cli.py so the CLI's start-up does not import FastAPI."""

from __future__ import annotations

from typing import Annotated

import typer

from smartalloc.entrypoints import render

users_app = typer.Typer(no_args_is_help=True, help="API users: add, disable, issue a token.")
service_app = typer.Typer(help="The REST service.")   # merged into `smartalloc` (no name)
service_app.add_typer(users_app, name="users")
Opt = typer.Option
DbOpt = Annotated[str | None, Opt("--database-url", envvar="DATABASE_URL")]


def _users(url: str | None):
    from smartalloc.bootstrap import bootstrap

    return bootstrap(url).users()


@users_app.command("add")
def add(username: str,
        role: Annotated[str, Opt(help="admin, operator or viewer")] = "viewer",
        password: Annotated[str, Opt(envvar="SMARTALLOC_PASSWORD", help=(
            "the password (12+ characters, not a common one); without it a one-time password "
            "is printed, which the user's first sign-in must replace"))] = "",
        database_url: DbOpt = None) -> None:
    """Add a user (the password is stored as an argon2 hash)."""
    from smartalloc.service_layer.users import add_user, one_time_password

    chosen = password or one_time_password()
    user = add_user(_users(database_url), username, chosen, role, must_change=not password)
    render.console.print(f"user {user.username} added with role {user.role}")
    if not password:
        render.console.print(f"one-time password / گذرواژهٔ یک‌بارمصرف: {chosen}", markup=False)


@users_app.command("password")
def password(username: str,
             password: Annotated[str, Opt(envvar="SMARTALLOC_PASSWORD", help=(
                 "the new password; without it a one-time password is printed, which the "
                 "next sign-in must replace"))] = "",
             database_url: DbOpt = None) -> None:
    """Reset a user's password on the server (a lost one-time password, a forgotten one)."""
    from smartalloc.service_layer.users import reset_password

    chosen = reset_password(_users(database_url), username, password or None)
    if password:
        render.console.print(f"password of {username} changed")
    else:
        render.console.print(f"one-time password of {username} / گذرواژهٔ یک‌بارمصرف: {chosen}",
                             markup=False)


@users_app.command("disable")
def disable(username: str, database_url: DbOpt = None) -> None:
    """Disable a user: their tokens stop working at once."""
    from smartalloc.service_layer.users import disable_user

    disable_user(_users(database_url), username)
    render.console.print(f"user {username} disabled")


@users_app.command("token")
def token(username: str, minutes: Annotated[int, Opt(min=1, max=60 * 24 * 30)] = 60,
          database_url: DbOpt = None) -> None:
    """Print a bearer token for an active user (signed with SMARTALLOC_JWT_SECRET)."""
    from dataclasses import replace

    from smartalloc.domain.errors import InputError, Problem
    from smartalloc.entrypoints.api.security import issue_token
    from smartalloc.entrypoints.api.settings import Settings
    from smartalloc.service_layer.users import user as find_user

    user = find_user(_users(database_url), username)
    if user is None or not user.active:
        raise InputError(Problem("USER_UNKNOWN", f"کاربر فعال «{username}» وجود ندارد",
                                 f"no active user '{username}'"))
    settings = Settings.from_env(require_key=False)
    if database_url:
        settings = replace(settings, database_url=database_url)
    typer.echo(issue_token(settings, user.username, minutes))


@service_app.command("serve")
def serve(host: Annotated[str, Opt(help="Bind address")] = "127.0.0.1",
          port: Annotated[int, Opt(min=1, max=65535)] = 8000,
          workers: Annotated[int, Opt(min=1, max=64, help="HTTP worker processes")] = 1) -> None:
    """Serve the API and the operators' pages. The first start makes the settings file (with
    generated secrets) in the data folder and an admin with a one-time password; settings come
    from the environment or that file (docs/api.md#settings)."""
    import uvicorn

    from smartalloc.domain.errors import InputError, Problem
    from smartalloc.entrypoints.first_start import prepare

    settings = prepare(host, port)  # fail fast, with the bilingual message, before binding
    if workers > 1 and not settings.redis_url:
        raise InputError(Problem(
            "WORKERS_NEED_REDIS", "چند فرایند سرویس شمارش مشترک ورودهای ناموفق را در Redis "
            "نگه می‌دارند؛ redis_url را تنظیم کنید", "several service processes share the "
            "failed sign-in counts in Redis: set redis_url (REDIS_URL)"))
    # uvicorn's access log prints raw paths, which may hold a national id: the app logs each
    # request itself, by route template.
    uvicorn.run("smartalloc.entrypoints.asgi:app", host=host, port=port, workers=workers,
                log_level="info", access_log=False)


@service_app.command("worker")
def worker(concurrency: Annotated[int, Opt(min=1, max=32, help="jobs at once")] = 1,
           burst: Annotated[bool, Opt(help="stop when the queue is empty")] = False,
           database_url: DbOpt = None) -> None:
    """Run jobs from the PostgreSQL queue (any number of workers, on any machines)."""
    from smartalloc.bootstrap import database_url as resolve
    from smartalloc.domain.errors import InputError, Problem
    from smartalloc.domain.gc_pause import allow_in_this_process
    from smartalloc.entrypoints.api.queue import run_worker

    url = resolve(database_url)
    allow_in_this_process()   # a process there to run batches (never the API server)
    if not url.startswith("postgresql"):
        raise InputError(Problem(
            "WORKER_NEEDS_POSTGRESQL", "کارگر فقط با PostgreSQL (DATABASE_URL) کار می‌کند",
            "workers need PostgreSQL (DATABASE_URL); the SQLite default runs jobs in the API"))
    run_worker(url, wait=not burst, concurrency=concurrency)
