"""The agency's profile, versioned (issue G): managers → centres and the academic year.

Frozen like 0001: columns and constraint names are spelt out, not imported from the models.

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-06
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | None = None
depends_on: str | None = None

TABLE = "نسخه_های_پروفایل_نمایندگی"


def upgrade() -> None:
    op.create_table(
        TABLE,
        sa.Column("نسخه", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("مدیر_به_مرکز", sa.JSON(), nullable=False),
        sa.Column("سال_تحصیلی", sa.Integer(), nullable=False),
        sa.Column("توسط", sa.String(length=100), nullable=False),
        sa.Column("زمان", sa.String(length=32), nullable=False),
        sa.Column("دلیل", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("نسخه", name=f"pk_{TABLE}"),
    )


def downgrade() -> None:
    op.drop_table(TABLE)
