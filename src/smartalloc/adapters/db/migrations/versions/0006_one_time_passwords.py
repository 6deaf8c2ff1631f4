"""One-time passwords (issue J): an account made with a password someone else saw — the admin
``smartalloc serve`` creates on its first start, a password reset — must choose its own at the
next sign-in; until then it may do nothing else.

Frozen like 0001: columns are spelt out, not imported from the models.

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-06
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | None = None
depends_on: str | None = None

TABLE = "کاربران"
COLUMN = "باید_رمز_را_عوض_کند"


def upgrade() -> None:
    with op.batch_alter_table(TABLE) as batch:
        batch.add_column(sa.Column(COLUMN, sa.Boolean(), nullable=False,
                                   server_default=sa.false()))


def downgrade() -> None:
    with op.batch_alter_table(TABLE) as batch:
        batch.drop_column(COLUMN)
