"""report: working time to the first follow-up, stored when the report is first followed up

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-03 09:00:00.000000

Scorecards and the public statistics take the median of it instead of working it out for every
report at every visit. Reports followed up before this revision have none; they are worked out
as before until `lapor sla backfill` (safe to run while the service runs, and to run again)
stores theirs.
"""

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("report", schema=None) as batch_op:
        batch_op.add_column(sa.Column("followup_working_seconds", sa.Integer(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("report", schema=None) as batch_op:
        batch_op.drop_column("followup_working_seconds")
