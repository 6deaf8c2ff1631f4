"""Issue P: drop the allocations' index on the mentor alone. 0010's index on (mentor, run)
begins with the mentor, so it answers every lookup by mentor the single-column index did
(a mentor's allocations, by code); the second index only cost each inserted allocation
another B-tree update — 0.70 → 0.60 s for a 100k run's allocations on SQLite, measured.

Frozen like 0001: the name is spelt out (it fits PostgreSQL's 63 bytes as it is).

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-07
"""

from __future__ import annotations

from alembic import op

revision: str = "0011"
down_revision: str | None = "0010"
branch_labels: str | None = None
depends_on: str | None = None

TABLE = "تخصیص_ها"
MENTOR = "کد_کارمندی_پشتیبان"
NAME = f"ix_{TABLE}_{MENTOR}"


def upgrade() -> None:
    op.drop_index(NAME, table_name=TABLE)


def downgrade() -> None:
    op.create_index(NAME, TABLE, [MENTOR])
