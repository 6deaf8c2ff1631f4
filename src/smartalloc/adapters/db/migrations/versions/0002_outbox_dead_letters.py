"""Outbox retries and dead letters (issue D): when to try a row again, why it last failed, and
when it was moved to the dead-letter queue.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-26
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | None = None
depends_on: str | None = None

OUTBOX = "صندوق_خروجی"
COLUMNS = ("زمان_تلاش_بعدی", "آخرین_خطا", "زمان_صف_مرده")


def upgrade() -> None:
    """Nullable columns only: existing rows stay publishable (NULL = due now, never failed)."""
    with op.batch_alter_table(OUTBOX) as batch:
        batch.add_column(sa.Column("زمان_تلاش_بعدی", sa.String(length=32), nullable=True))
        batch.add_column(sa.Column("آخرین_خطا", sa.Text(), nullable=True))
        batch.add_column(sa.Column("زمان_صف_مرده", sa.String(length=32), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table(OUTBOX) as batch:
        for column in reversed(COLUMNS):
            batch.drop_column(column)
