"""Manual review (issue K): the audit of every assign, move and release an operator makes —
who, when, before → after, why, the code the student holds (kept on a release, D15) and
whether it went outside the student's matrix rows.

Frozen like 0001: columns are spelt out, not imported from the models.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-06
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | None = None
depends_on: str | None = None

TABLE = "بازبینی_ها"
INDEXED = ("کد_ملی", "به_پشتیبان", "شناسه_اجرا")


def upgrade() -> None:
    op.create_table(
        TABLE,
        sa.Column("شناسه", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("کد_ملی", sa.String(length=10), nullable=False),
        sa.Column("اقدام", sa.String(length=16), nullable=False),
        sa.Column("از_پشتیبان", sa.String(length=32), nullable=False),
        sa.Column("به_پشتیبان", sa.String(length=32), nullable=False),
        sa.Column("کد_ثبت_نام", sa.String(length=12), nullable=False),
        sa.Column("دلیل", sa.Text(), nullable=False),
        sa.Column("توسط", sa.String(length=100), nullable=False),
        sa.Column("زمان", sa.String(length=32), nullable=False),
        sa.Column("استثنا", sa.Boolean(), nullable=False),
        sa.Column("شناسه_اجرا", sa.String(length=32), nullable=False),
        sa.PrimaryKeyConstraint("شناسه", name=f"pk_{TABLE}"),
    )
    for column in INDEXED:
        op.create_index(f"ix_{TABLE}_{column}", TABLE, [column])


def downgrade() -> None:
    for column in INDEXED:
        op.drop_index(f"ix_{TABLE}_{column}", table_name=TABLE)
    op.drop_table(TABLE)
