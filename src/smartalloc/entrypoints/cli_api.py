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
        password: Annotated[str, Opt(prompt=True, hide_input=True,
                                     confirmation_prompt=True, envvar="SMARTALLOC_PASSWORD")] = "",
        database_url: DbOpt = None) -> None:
    """Add a user (the password is stored as an argon2 hash)."""
    from smartalloc.service_layer.users import add_user

    user = add_user(_users(database_url), username, password, role)
    render.console.print(f"user {user.username} added with role {user.role}")


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
    """Run the REST API (settings from the environment: DATABASE_URL, SMARTALLOC_JWT_SECRET,
    SMARTALLOC_DATA_DIR, REDIS_URL)."""
    import uvicorn

    from smartalloc.entrypoints.api.settings import Settings

    Settings.from_env()  # fail fast, with the bilingual message, before binding the port
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
