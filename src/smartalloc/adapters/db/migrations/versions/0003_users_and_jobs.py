"""The service's tables (issue C): کاربران (API users) and کارها (jobs with idempotency keys).

Frozen like 0001: columns and constraint names are spelt out, not imported from the models.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-25
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | None = None
depends_on: str | None = None


def _str(name: str, length: int, nullable: bool = False) -> sa.Column:
    return sa.Column(name, sa.String(length=length), nullable=nullable)


def upgrade() -> None:
    op.create_table(
        "کاربران",
        sa.Column("شناسه", sa.Integer(), autoincrement=True, nullable=False),
        _str("نام_کاربری", 64), sa.Column("هش_رمز", sa.Text(), nullable=False),
        _str("نقش", 16), sa.Column("فعال", sa.Boolean(), nullable=False), _str("زمان_ایجاد", 32),
        sa.PrimaryKeyConstraint("شناسه", name="pk_کاربران"),
        sa.UniqueConstraint("نام_کاربری", name="uq_کاربران_نام_کاربری"),
    )
    op.create_table(
        "کارها",
        _str("شناسه", 36), _str("نوع", 32), _str("وضعیت", 16),
        sa.Column("پیشرفت", sa.Float(), nullable=False), _str("مرحله", 32),
        sa.Column("پارامترها", sa.JSON(), nullable=False),
        sa.Column("نتیجه", sa.JSON(), nullable=True), sa.Column("خطا", sa.JSON(), nullable=True),
        _str("کلید_یکتایی", 255, nullable=True), _str("هش_درخواست", 64), _str("ایجادکننده", 64),
        _str("زمان_ایجاد", 32), _str("زمان_به_روزرسانی", 32),
        sa.PrimaryKeyConstraint("شناسه", name="pk_کارها"),
        sa.UniqueConstraint("ایجادکننده", "کلید_یکتایی", name="uq_کارها_ایجادکننده_کلید_یکتایی"),
    )


def downgrade() -> None:
    op.drop_table("کارها")
    op.drop_table("کاربران")
