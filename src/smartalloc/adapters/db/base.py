"""The one ``MetaData`` of every table, with constraint names fitted to PostgreSQL.

Its own module so that the table modules (``schema``, ``auth_schema``) import it and not each
other; ``adapters.db.metadata`` imports them both, for Alembic and ``create_all``.
"""

from __future__ import annotations

import hashlib

from sqlalchemy import MetaData

PG_NAME_BYTES = 63  # PostgreSQL truncates longer identifiers; a Persian letter is 2 bytes


def fit_name(name: str) -> str:
    """A constraint/index name within PostgreSQL's 63 bytes: long names keep a readable head
    and end in a short hash of the full name, so they stay unique and stable."""
    raw = name.encode()
    if len(raw) <= PG_NAME_BYTES:
        return name
    digest = hashlib.sha1(raw).hexdigest()[:8]
    return raw[:PG_NAME_BYTES - 9].decode("utf-8", errors="ignore") + "_" + digest


def _fk_name(constraint, table) -> str:
    column = constraint.elements[0]
    return fit_name(f"fk_{table.name}_{column.parent.name}_{column.target_fullname.split('.')[0]}")


def _ix_name(index, table) -> str:
    return fit_name(f"ix_{table.name}_" + "_".join(c.name for c in index.columns))


NAMING = {
    "fk_fitted": _fk_name,
    "ix_fitted": _ix_name,
    "ix": "%(ix_fitted)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "fk": "%(fk_fitted)s",
    "pk": "pk_%(table_name)s",
}

metadata = MetaData(naming_convention=NAMING)
