"""Alembic environment: always runs on a connection handed over by ``migrate.py``.

The connection comes from ``make_engine`` (SQLite pragmas, ``BEGIN IMMEDIATE``, PostgreSQL
settings) and is already inside a transaction, so Alembic treats it as external and the caller
commits the whole upgrade or downgrade at once — or nothing.
"""

from __future__ import annotations

from alembic import context

from smartalloc.adapters.db.metadata import metadata

config = context.config
connection = config.attributes.get("connection")
if connection is None:  # pragma: no cover - only reachable through the alembic CLI
    raise RuntimeError("run migrations through smartalloc.adapters.db.migrate "
                       "(it supplies config.attributes['connection'])")

context.configure(
    connection=connection,
    target_metadata=metadata,
    render_as_batch=connection.dialect.name == "sqlite",  # SQLite cannot ALTER most things
    compare_type=True,
)
with context.begin_transaction():
    context.run_migrations()
