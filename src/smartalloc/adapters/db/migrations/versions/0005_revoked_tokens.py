"""Signed-out tokens (issue I): the jti of every token signed out before it expired, kept until
its expiry, so a token taken from a closed session is refused.

Frozen like 0001: columns and constraint names are spelt out, not imported from the models.

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-06
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | None = None
depends_on: str | None = None

TABLE = "توکن_های_باطل"


def upgrade() -> None:
    op.create_table(
        TABLE,
        sa.Column("شناسه_توکن", sa.String(length=64), nullable=False),
        sa.Column("انقضا", sa.String(length=32), nullable=False),
        sa.PrimaryKeyConstraint("شناسه_توکن", name=f"pk_{TABLE}"),
    )
    op.create_index(f"ix_{TABLE}_انقضا", TABLE, ["انقضا"])


def downgrade() -> None:
    op.drop_index(f"ix_{TABLE}_انقضا", table_name=TABLE)
    op.drop_table(TABLE)
