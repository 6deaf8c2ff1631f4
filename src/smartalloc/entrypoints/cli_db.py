"""`smartalloc db upgrade|downgrade|current`: the schema of the system of record; `db backup|
restore|verify|keygen`: backups that are proven to restore (issue N).

Errors are ``DatabaseError`` (bilingual, no traceback once ``cli.main`` runs the app); the URL
is shown without its password.
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
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
                     help="Database (DATABASE_URL or the SQLite default): migrations and backups.")

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


# --- backups (issue N) -------------------------------------------------------------------------
# The handlers live in ``service_layer.backups``; the engine adapters come from the composition
# root's backup part, imported inside each command so `db upgrade` does not load them.

def _backups():
    from smartalloc import bootstrap_backups

    return bootstrap_backups


def _facts_line(facts) -> str:
    return (f"{len(facts.tables)} tables / جدول, {facts.rows} rows / ردیف, "
            f"{len(facts.counters)} counters / شمارنده, schema / طرح {facts.schema_revision}")


@db_app.command()
def backup(
    out: Annotated[Path, typer.Option(
        "--out", help="Folder for the backup and its manifest (created 0700 if missing)")],
    recipient: Annotated[list[str] | None, typer.Option(
        "--recipient", help="Encrypt to this age public key (age1…, from `smartalloc db "
        "keygen`); repeatable. The server needs no secret to back up")] = None,
    database_url_: UrlOpt = None,
) -> None:
    """Back the database up (consistent while runs commit): a 0600 file + its manifest."""
    from smartalloc.service_layer.backups import TakeBackup, take_backup

    wiring = _backups()
    engine = wiring.engine_for_url(database_url(database_url_))
    taken = take_backup(TakeBackup(out, datetime.now(UTC), tuple(recipient or ())), engine,
                        wiring.files)
    m = taken.manifest
    render.console.print(
        f"backup written / پشتیبان نوشته شد: {taken.path}\n"
        f"  {m.size / 1e6:.1f} MB, sha256 {m.sha256[:16]}…, "
        f"{'encrypted (age) / رمزنگاری‌شده' if m.encryption else 'not encrypted / بدون رمز'}, "
        f"{taken.seconds:.1f} s\n  {_facts_line(m.facts)}")


@db_app.command()
def restore(
    backup_file: Annotated[Path, typer.Argument(help="The backup file (its .manifest.json "
                                                "beside it)")],
    identity: Annotated[Path | None, typer.Option(
        "--identity", help="age identity file for an encrypted backup")] = None,
    force: Annotated[bool, typer.Option(
        "--force", help="Replace a target database that holds data")] = False,
    database_url_: UrlOpt = None,
) -> None:
    """Replace the database by a backup (checked; a target with data needs --force).

    Holds the run lock; the checksum, the engine and the result are checked."""
    from smartalloc.service_layer.backups import RestoreBackup, restore_backup

    wiring = _backups()
    engine = wiring.engine_for_url(database_url(database_url_))
    done = restore_backup(RestoreBackup(backup_file, identity, force), engine, wiring.files)
    replaced = ", ".join(f"{t} ({n})" for t, n in done.replaced.items()) or "nothing / هیچ"
    render.console.print(
        f"database {engine.describe()} restored from / پایگاه داده بازگردانی شد از: "
        f"{backup_file.name} ({done.manifest.created_at}), {done.seconds:.1f} s\n"
        f"  replaced / جایگزین شد: {replaced}\n  now / اکنون: {_facts_line(done.facts)}")
    if done.facts.schema_revision != migrate.head():
        render.console.print(
            f"  the backup's schema is {done.facts.schema_revision}, this version's is "
            f"{migrate.head()}: run `smartalloc db upgrade` / طرح پشتیبان قدیمی‌تر است؛ "
            "«smartalloc db upgrade» را اجرا کنید")


@db_app.command()
def verify(
    backup_file: Annotated[Path, typer.Argument(help="The backup file to check")],
    identity: Annotated[Path | None, typer.Option(
        "--identity", help="age identity file for an encrypted backup")] = None,
    database_url_: UrlOpt = None,
) -> None:
    """Prove a backup restores: checksum, scratch restore, manifest compared.

    The scratch database is a temp SQLite file, or a PostgreSQL database created and dropped."""
    from smartalloc.service_layer.backups import VerifyBackup, verify_backup

    wiring = _backups()
    done = verify_backup(VerifyBackup(backup_file, identity),
                         wiring.scratch_engines(database_url_), wiring.files)
    render.console.print(
        f"backup verified / پشتیبان تأیید شد: {backup_file.name} — checksum, restore and "
        f"manifest match / چک‌سام، بازگردانی و فهرست مطابق‌اند ({done.seconds:.1f} s)\n"
        f"  {_facts_line(done.facts)}")
    for note in done.notes:
        render.console.print(f"  {note}")


@db_app.command()
def keygen(
    out: Annotated[Path, typer.Option(
        "--out", help="Where to write the new identity (secret key; kept offline)")],
) -> None:
    """Make an age key pair for encrypted backups (secret to --out, public key printed).

    The identity file is 0600 and never overwritten; pass the public key to `db backup
    --recipient`."""
    public = _backups().write_identity(out)
    render.console.print(
        f"identity written / کلید خصوصی نوشته شد: {out} (keep it offline / آن را جدا از "
        f"سرور نگه دارید)\npublic key / کلید عمومی: {public}")
