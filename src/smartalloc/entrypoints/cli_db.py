"""`smartalloc db upgrade|downgrade|current`: the schema of the system of record.

Errors are ``DatabaseError`` (bilingual, no traceback once ``cli.main`` runs the app); the URL
is shown without its password.
"""

from __future__ import annotations

from typing import Annotated

import typer

from smartalloc.bootstrap import database_url
from smartalloc.entrypoints import render


class _LazyMigrate:
    """Alembic takes ~0.8 s to import: load it only when a `db` command runs."""

    def __getattr__(self, name: str):
        from smartalloc.bootstrap import migrations

        return getattr(migrations(), name)


migrate = _LazyMigrate()

db_app = typer.Typer(no_args_is_help=True,
                     help="Database schema (DATABASE_URL or the SQLite default): migrations.")

UrlOpt = Annotated[str | None, typer.Option(
    "--database-url", help="SQLAlchemy URL; default $DATABASE_URL, else the SQLite file in the "
    "user data directory")]


def _describe(revision: str | None) -> str:
    if revision is None:
        return "empty (no SmartAlloc schema) / خالی (بدون طرح SmartAlloc)"
    state = ("up to date / به‌روز" if revision == migrate.head()
             else f"behind {migrate.head()} / عقب‌تر از {migrate.head()}")
    return f"{revision} ({state})"


@db_app.command()
def upgrade(
    revision: Annotated[str, typer.Option(help="Target revision")] = "head",
    database_url_: UrlOpt = None,
) -> None:
    """Create or update the schema up to a revision (default: the newest)."""
    url = database_url(database_url_)
    migrate.upgrade(url, revision)
    render.console.print(f"database {migrate.shown_url(url)} upgraded to / پایگاه داده ارتقا یافت "
                         f"به: {_describe(migrate.current(url))}")


@db_app.command()
def downgrade(
    revision: Annotated[str, typer.Option(
        help="Target revision: an id, -1 (one step back) or base (drops every table)")],
    database_url_: UrlOpt = None,
) -> None:
    """Take the schema back to a revision; `--revision base` deletes all SmartAlloc tables."""
    url = database_url(database_url_)
    migrate.downgrade(url, revision)
    render.console.print(f"database {migrate.shown_url(url)} downgraded to / پایگاه داده "
                         f"برگردانده شد به: {_describe(migrate.current(url))}")


@db_app.command()
def current(database_url_: UrlOpt = None) -> None:
    """Show the revision the database is at and whether it is the newest."""
    url = database_url(database_url_)
    render.console.print(f"database {migrate.shown_url(url)}: {_describe(migrate.current(url))}")
