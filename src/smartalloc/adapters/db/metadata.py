"""Every table of the system of record in one ``MetaData``: what Alembic compares and what a
new embedded database is built from."""

from smartalloc.adapters.db import auth_schema, schema  # noqa: F401  (they register their tables)
from smartalloc.adapters.db.base import metadata

__all__ = ["metadata"]
