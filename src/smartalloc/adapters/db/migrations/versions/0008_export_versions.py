"""Exports after review (issue K): the versions of a run's ImportToSabt made after review —
the audit they include, who made them and when, their counts, QA status and folder. The
primary key (run, version) lets two operators exporting at once not both claim a version.

Frozen like 0001: columns are spelt out, not imported from the models.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-07
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | None = None
depends_on: str | None = None

TABLE = "نسخه_های_خروجی"


def upgrade() -> None:
    op.create_table(
        TABLE,
        sa.Column("شناسه_اجرا", sa.String(length=32), nullable=False),
        sa.Column("نسخه", sa.Integer(), nullable=False),
        sa.Column("آخرین_بازبینی", sa.Integer(), nullable=False),
        sa.Column("زمان", sa.String(length=32), nullable=False),
        sa.Column("توسط", sa.String(length=100), nullable=False),
        sa.Column("ردیف_ها", sa.Integer(), nullable=False),
        sa.Column("تغییرات", sa.Integer(), nullable=False),
        sa.Column("استثناها", sa.Integer(), nullable=False),
        sa.Column("وضعیت_کنترل_کیفیت", sa.String(length=16), nullable=False),
        sa.Column("پوشه", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("شناسه_اجرا", "نسخه", name=f"pk_{TABLE}"),
    )


def downgrade() -> None:
    op.drop_table(TABLE)
