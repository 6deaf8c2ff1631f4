"""Initial schema: the ten Persian tables of issue B.

Frozen on purpose: it spells out tables, columns and constraint names (those of the naming
convention in ``schema.py``) instead of importing the models, so later model changes need a new
revision and never rewrite this one.

Revision ID: 0001
Revises:
Create Date: 2026-11-25
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | None = None
depends_on: str | None = None

MENTOR = "کد_کارمندی_پشتیبان"


def _str(name: str, length: int, nullable: bool = False) -> sa.Column:
    return sa.Column(name, sa.String(length=length), nullable=nullable)


def _int(name: str, nullable: bool = False) -> sa.Column:
    return sa.Column(name, sa.Integer(), nullable=nullable)


def _json(name: str) -> sa.Column:
    return sa.Column(name, sa.JSON(), nullable=False)


# Names fitted to PostgreSQL's 63 bytes by schema.fit_name (frozen here: a migration must not
# change when the models change).
_MENTOR_FK_NAMES = {
    "تاریخچه_وضعیت_منتور": "fk_تاریخچه_وضعیت_منتور_کد_کارم_0a5dc68c",
    "مدارس_منتور": "fk_مدارس_منتور_کد_کارمندی_پشتی_a3687304",
    "گروه_های_منتور": "fk_گروه_های_منتور_کد_کارمندی_پش_4cd5a4b4",
}


def _mentor_fk(table: str, ondelete: str | None = None) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint([MENTOR], [f"منتورها.{MENTOR}"], ondelete=ondelete,
                                   name=op.f(_MENTOR_FK_NAMES[table]))


def upgrade() -> None:
    op.create_table(
        "اجراها",
        _str("شناسه_اجرا", 32), _str("زمان_شروع", 32), _str("نسخه_سیاست", 64),
        _json("ورودی_ها"), _json("شمارش_ها"), _str("وضعیت_کنترل_کیفیت", 16),
        sa.Column("پوشه_خروجی", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("شناسه_اجرا", name=op.f("pk_اجراها")),
    )
    op.create_table(
        "تخصیص_ها",
        _str("کد_ملی", 10), _str(MENTOR, 32), _str("کد_ثبت_نام", 12),
        _int("کد_رشته"), _int("جنسیت"), _int("دانش_آموز_فارغ"), _int("مرکز"), _int("مالی"),
        _int("کد_مدرسه"), _str("کانال", 16), _str("تاریخ_تخصیص", 32), _str("شناسه_اجرا", 32),
        _str("نسخه_سیاست", 64),
        sa.PrimaryKeyConstraint("کد_ملی", name=op.f("pk_تخصیص_ها")),
        sa.UniqueConstraint("کد_ثبت_نام", name=op.f("uq_تخصیص_ها_کد_ثبت_نام")),
    )
    op.create_index(op.f("ix_تخصیص_ها_شناسه_اجرا"), "تخصیص_ها", ["شناسه_اجرا"])
    op.create_index(op.f(f"ix_تخصیص_ها_{MENTOR}"), "تخصیص_ها", [MENTOR])
    op.create_table(
        "دانش_آموزان",
        _str("کد_ملی", 10), _str("نام", 100), _str("نام_خانوادگی", 100),
        _int("کد_رشته", True), _int("جنسیت", True), _int("دانش_آموز_فارغ", True),
        _int("مرکز", True), _int("مالی", True), _int("کد_مدرسه", True), _str("آخرین_اجرا", 32),
        sa.PrimaryKeyConstraint("کد_ملی", name=op.f("pk_دانش_آموزان")),
    )
    op.create_table(
        "شمارنده_ها",
        _int("سال"), _str("کد_میانی", 3), _int("آخرین_شماره"),
        sa.PrimaryKeyConstraint("سال", "کد_میانی", name=op.f("pk_شمارنده_ها")),
    )
    op.create_table(
        "صندوق_خروجی",
        sa.Column("شناسه", sa.Integer(), autoincrement=True, nullable=False),
        _str("شناسه_رویداد", 36), _str("نوع_رویداد", 64), _int("نسخه_طرح"), _json("محتوا"),
        _str("زمان_رخداد", 32), _str("شناسه_اجرا", 32), _str("زمان_ارسال", 32, True),
        _int("تلاش_ها"),
        sa.PrimaryKeyConstraint("شناسه", name=op.f("pk_صندوق_خروجی")),
        sa.UniqueConstraint("شناسه_رویداد", name=op.f("uq_صندوق_خروجی_شناسه_رویداد")),
    )
    op.create_index(op.f("ix_صندوق_خروجی_زمان_ارسال"), "صندوق_خروجی", ["زمان_ارسال"])
    op.create_table(
        "مدیران",
        _str("نام_مدیر", 200), _int("مرکز"), _str("کد_مدیر", 32),
        sa.PrimaryKeyConstraint("نام_مدیر", name=op.f("pk_مدیران")),
    )
    op.create_table(
        "منتورها",
        _str(MENTOR, 32), _str("نام_پشتیبان", 200), _str("نام_مدیر", 200), _int("جنسیت", True),
        _int("مرکز"), _str("کد_جایگزین", 16), _int("ظرفیت"), _int("تحت_پوشش"), _str("وضعیت", 16),
        _json("کانال_های_مجاز"), _json("مدارس_مجاز"), _str("گزارش_منبع", 64),
        sa.PrimaryKeyConstraint(MENTOR, name=op.f("pk_منتورها")),
    )
    op.create_index(op.f("ix_منتورها_جنسیت_مرکز_وضعیت"), "منتورها", ["جنسیت", "مرکز", "وضعیت"])
    op.create_table(
        "تاریخچه_وضعیت_منتور",
        sa.Column("شناسه", sa.Integer(), autoincrement=True, nullable=False),
        _str(MENTOR, 32), _str("از_وضعیت", 16), _str("به_وضعیت", 16),
        sa.Column("دلیل", sa.Text(), nullable=False), _str("توسط", 100), _str("زمان", 32),
        _json("جزئیات"),
        _mentor_fk("تاریخچه_وضعیت_منتور"),
        sa.PrimaryKeyConstraint("شناسه", name=op.f("pk_تاریخچه_وضعیت_منتور")),
    )
    op.create_index(op.f("ix_تاریخچه_وضعیت_منتور_کد_کارم_6d939949"), "تاریخچه_وضعیت_منتور", [MENTOR])
    for table, column in (("مدارس_منتور", "کد_مدرسه"), ("گروه_های_منتور", "کد_رشته")):
        op.create_table(
            table,
            _str(MENTOR, 32), _int(column),
            _mentor_fk(table, ondelete="CASCADE"),
            sa.PrimaryKeyConstraint(MENTOR, column, name=op.f(f"pk_{table}")),
        )
        op.create_index(op.f(f"ix_{table}_{column}"), table, [column])


def downgrade() -> None:
    """Children before parents; dropping a table drops its indexes and constraints."""
    for table in ("گروه_های_منتور", "مدارس_منتور", "تاریخچه_وضعیت_منتور", "منتورها", "مدیران",
                  "صندوق_خروجی", "شمارنده_ها", "دانش_آموزان", "تخصیص_ها", "اجراها"):
        op.drop_table(table)
