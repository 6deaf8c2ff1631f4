"""Migrations on real SQLite and PostgreSQL: upgrade → the models, downgrade → nothing,
upgrade again; plus the `db` commands and their bilingual errors."""

from __future__ import annotations

import pytest
from alembic.autogenerate import compare_metadata
from alembic.operations import Operations
from alembic.runtime.migration import MigrationContext
from sqlalchemy import Connection, insert, inspect, select
from typer.testing import CliRunner

from smartalloc.adapters.db import migrate
from smartalloc.adapters.db.engine import make_engine
from smartalloc.adapters.db.metadata import metadata
from smartalloc.adapters.db.schema import Mentor, MentorGroup
from smartalloc.domain.errors import DatabaseError
from smartalloc.entrypoints.cli_db import db_app

PG_NAME_BYTES = 63  # PostgreSQL silently truncates longer identifiers (NAMEDATALEN - 1)


@pytest.fixture(params=["sqlite", "postgresql"])
def url(request: pytest.FixtureRequest) -> str:
    return request.getfixturevalue("sqlite_url" if request.param == "sqlite" else "pg_url")


def stored(name: str, conn: Connection) -> str:
    """The name the server keeps for a (convention-generated) identifier."""
    if conn.dialect.name != "postgresql":
        return name
    return name.encode()[:PG_NAME_BYTES].decode("utf-8", "ignore")


def inspect_db(url: str, check):
    engine = make_engine(url)
    try:
        with engine.connect() as conn:
            return check(conn)
    finally:
        engine.dispose()


def schema_diff(conn: Connection) -> list:
    """compare_metadata, minus the drop/create pairs that only PostgreSQL's truncation of long
    index names causes (same table and columns, stored name = truncated model name)."""
    diff = compare_metadata(MigrationContext.configure(conn, opts={"compare_type": True}),
                            metadata)

    def sig(d: tuple) -> tuple | None:
        if d[0] not in ("add_index", "remove_index"):
            return None
        return d[1].table.name, stored(d[1].name, conn), tuple(c.name for c in d[1].columns)

    added = {sig(d) for d in diff if d[0] == "add_index"}
    twins = added & {sig(d) for d in diff if d[0] == "remove_index"}
    return [d for d in diff if sig(d) is None or sig(d) not in twins]


def names(conn: Connection) -> dict[str, set[str]]:
    """Every table's pk, fk, unique and index names as reflected."""
    insp = inspect(conn)
    found: dict[str, set[str]] = {}
    for table in insp.get_table_names():
        found[table] = ({insp.get_pk_constraint(table)["name"]}
                        | {fk["name"] for fk in insp.get_foreign_keys(table)}
                        | {uq["name"] for uq in insp.get_unique_constraints(table)}
                        | {ix["name"] for ix in insp.get_indexes(table)})
    return found


def model_names(conn: Connection) -> dict[str, set[str]]:
    return {t.name: {stored(c.name, conn) for c in (*t.constraints, *t.indexes)}
            for t in metadata.sorted_tables}


def test_upgrade_matches_models_downgrade_empties_upgrade_again(url: str) -> None:
    assert migrate.current(url) is None
    assert not migrate.is_up_to_date(url)
    migrate.upgrade(url)
    assert migrate.current(url) == migrate.head() == "0011"
    assert migrate.is_up_to_date(url)
    assert inspect_db(url, schema_diff) == []
    found, expected = inspect_db(url, lambda c: (names(c), model_names(c)))
    assert found.pop("alembic_version", None) is not None
    assert found == expected and len(found) == 17

    migrate.downgrade(url, "base")
    assert migrate.current(url) is None
    assert set(inspect_db(url, lambda c: inspect(c).get_table_names())) <= {"alembic_version"}

    migrate.upgrade(url, "head")
    assert migrate.is_up_to_date(url)
    assert inspect_db(url, schema_diff) == []


def test_data_survives_a_no_op_upgrade(url: str) -> None:
    migrate.upgrade(url)
    engine = make_engine(url)
    try:
        with engine.begin() as conn:
            conn.execute(insert(Mentor).values(mentor_id="M1", name="منتور یک",
                                               allowed_channels=["SCHOOL"]))
            conn.execute(insert(MentorGroup).values(mentor_id="M1", group_code=27))
        migrate.upgrade(url)
        with engine.connect() as conn:
            mentor = conn.execute(select(Mentor.c.name, Mentor.c.capacity,
                                         Mentor.c.allowed_channels)).one()
            assert tuple(mentor) == ("منتور یک", 60, ["SCHOOL"])
            assert conn.scalars(select(MentorGroup.c.group_code)).all() == [27]
    finally:
        engine.dispose()
    assert migrate.current(url) == migrate.head()


def test_sqlite_table_rebuild_does_not_cascade_delete(sqlite_url: str) -> None:
    """A batch migration copies and drops منتورها; with foreign keys on, SQLite would delete
    every mentor's groups (ON DELETE CASCADE). Migrations run with them off, then checked."""
    migrate.upgrade(sqlite_url)
    engine = make_engine(sqlite_url)
    try:
        with engine.begin() as conn:
            conn.execute(insert(Mentor).values(mentor_id="M1", name="منتور یک"))
            conn.execute(insert(MentorGroup).values(mentor_id="M1", group_code=27))
        with migrate._connection(sqlite_url) as conn:
            ops = Operations(MigrationContext.configure(conn))
            with ops.batch_alter_table("منتورها", recreate="always"):
                pass
        with engine.connect() as conn:
            assert conn.scalars(select(MentorGroup.c.group_code)).all() == [27]
    finally:
        engine.dispose()


def test_unknown_revision_is_a_database_error_and_changes_nothing(sqlite_url: str) -> None:
    with pytest.raises(DatabaseError) as caught:
        migrate.upgrade(sqlite_url, "nope")
    assert caught.value.problems[0].code == "DB_MIGRATION"
    assert migrate.current(sqlite_url) is None


@pytest.mark.parametrize(("bad", "code"), [
    ("not a url", "DB_BAD_URL"),
    ("postgresql+psycopg://op:s3cret@127.0.0.1:1/x?connect_timeout=2", "DB_UNREACHABLE"),
])
def test_bad_or_unreachable_database_is_bilingual_without_password(bad: str, code: str) -> None:
    with pytest.raises(DatabaseError) as caught:
        migrate.current(bad)
    problem = caught.value.problems[0]
    assert problem.code == code
    assert "پایگاه داده" in problem.message_fa and "database" in problem.message_en
    assert "s3cret" not in str(caught.value)


def test_cli_upgrade_current_downgrade(sqlite_url: str) -> None:
    runner = CliRunner()
    opt = ["--database-url", sqlite_url]

    result = runner.invoke(db_app, ["current", *opt])
    assert result.exit_code == 0, result.output
    assert "empty" in result.output

    result = runner.invoke(db_app, ["upgrade", *opt])
    assert result.exit_code == 0, result.output
    assert "0011 (up to date" in result.output and "ارتقا" in result.output

    result = runner.invoke(db_app, ["current", *opt])
    assert "0011 (up to date" in result.output

    result = runner.invoke(db_app, ["downgrade", *opt])
    assert result.exit_code == 2 and "--revision" in result.output  # never implicit
    assert migrate.current(sqlite_url) == "0011"

    result = runner.invoke(db_app, ["downgrade", "--revision", "-10", *opt])
    assert result.exit_code == 0, result.output
    assert migrate.current(sqlite_url) == "0001"
    result = runner.invoke(db_app, ["downgrade", "--revision", "-1", *opt])
    assert result.exit_code == 0, result.output
    assert "empty" in result.output
    assert migrate.current(sqlite_url) is None


def test_cli_error_is_a_database_error() -> None:
    result = CliRunner().invoke(db_app, ["current", "--database-url", "not a url"])
    assert isinstance(result.exception, DatabaseError)  # cli.main renders it, exit code 2


def test_bootstrap_head_is_alembics_head():
    """The store's cheap schema check compares with this constant; it must follow the
    migrations."""
    from smartalloc.adapters.db.bootstrap import HEAD
    from smartalloc.adapters.db.migrate import head

    assert head() == HEAD


def test_a_new_embedded_database_is_built_at_head_like_the_migrations(tmp_path):
    """The SQLite default builds a fresh file from the models; it must be the same schema as
    the migrations give, stamped at head, so later migrations apply to it."""
    from smartalloc.adapters.db.store import SqlStore

    url = f"sqlite:///{tmp_path / 'fresh.sqlite'}"
    SqlStore(url)
    assert migrate.current(url) == migrate.head()
    assert inspect_db(url, schema_diff) == []
    migrate.downgrade(url, "base")
    migrate.upgrade(url)
    assert inspect_db(url, schema_diff) == []
