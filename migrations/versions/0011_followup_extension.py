"""report: when the follow-up deadline was extended (the informasi and pengawasan policies allow
one extension)

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-07 15:00:00.000000

A nullable column: existing reports are unextended, and the table is not rewritten.
"""

import sqlalchemy as sa
from alembic import op

import lapor.models.types

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("report", schema=None) as batch_op:
        batch_op.add_column(sa.Column("followup_extended_at", lapor.models.types.UTCDateTime(timezone=True),
                                      nullable=True))


def downgrade() -> None:
    # In place on SQLite too (3.35+): a batch copy of the table would write its generated column.
    op.drop_column("report", "followup_extended_at")
