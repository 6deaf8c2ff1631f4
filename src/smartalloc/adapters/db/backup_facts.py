"""Read a database's comparable facts — schema revision, every table's row count, the
registration counters' heads — on any SQLAlchemy connection, inside whatever snapshot the
caller holds (the backup's own, for the manifest; the restored database's, for the check)."""

from __future__ import annotations

from sqlalchemy import Connection, Engine, func, inspect, select, table, text

from smartalloc.adapters.db.schema import Counter
from smartalloc.service_layer.backup_manifest import DatabaseFacts

VERSION_TABLE = "alembic_version"


def facts_of(engine: Engine) -> DatabaseFacts:
    """The facts of the database behind a one-off engine, which is then let go."""
    try:
        with engine.connect() as conn:
            return read_facts(conn)
    finally:
        engine.dispose()


def read_facts(conn: Connection) -> DatabaseFacts:
    names = sorted(inspect(conn).get_table_names())
    counts = {name: conn.execute(select(func.count()).select_from(table(name))).scalar_one()
              for name in names}
    revision = None
    if VERSION_TABLE in names:
        revision = conn.execute(text(f"SELECT version_num FROM {VERSION_TABLE}")).scalar()
    heads: tuple = ()
    if Counter.name in names:
        rows = conn.execute(select(Counter.c.year, Counter.c.mid, Counter.c.last_sequence)
                            .order_by(Counter.c.year, Counter.c.mid))
        heads = tuple((int(y), str(m), int(s)) for y, m, s in rows)
    return DatabaseFacts(revision, counts, heads)
