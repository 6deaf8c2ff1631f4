"""Live intake (issue L): Gravity Forms entries, once per (source, form, entry), with the
answer the site was given, the body's digest and the student-report row they became.

Frozen like 0001: columns are spelt out, not imported from the models.

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-07
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | None = None
depends_on: str | None = None

TABLE = "ورودی_های_فرم"


def upgrade() -> None:
    op.create_table(
        TABLE,
        sa.Column("شناسه", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("منبع", sa.String(length=32), nullable=False),
        sa.Column("شناسه_فرم", sa.String(length=16), nullable=False),
        sa.Column("شناسه_ورودی", sa.String(length=20), nullable=False),
        sa.Column("چکیده_بدنه", sa.String(length=64), nullable=False),
        sa.Column("زمان_دریافت", sa.String(length=32), nullable=False),
        sa.Column("وضعیت", sa.String(length=16), nullable=False),
        sa.Column("کد_ملی", sa.String(length=10), nullable=False),
        sa.Column("ردیف", sa.JSON(), nullable=False),
        sa.Column("کد_پاسخ", sa.Integer(), nullable=False),
        sa.Column("پاسخ", sa.JSON(), nullable=False),
        sa.Column("زمان_خروجی", sa.String(length=32), nullable=True),
        sa.PrimaryKeyConstraint("شناسه", name=f"pk_{TABLE}"),
        sa.UniqueConstraint("منبع", "شناسه_فرم", "شناسه_ورودی", name=f"uq_{TABLE}_شناسه"),
    )
    op.create_index(f"ix_{TABLE}_وضعیت", TABLE, ["وضعیت"])
    op.create_index(f"ix_{TABLE}_کد_ملی", TABLE, ["کد_ملی"])


def downgrade() -> None:
    op.drop_index(f"ix_{TABLE}_کد_ملی", table_name=TABLE)
    op.drop_index(f"ix_{TABLE}_وضعیت", table_name=TABLE)
    op.drop_table(TABLE)
