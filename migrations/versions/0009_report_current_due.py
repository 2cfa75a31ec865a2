"""report: the running clock's deadline as a generated column, and the inbox's index on it

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-03 10:00:00.000000

Staff inboxes list overdue and soonest due first. They sorted every report within reach by a
CASE over four columns at every visit (about a second and a half at a million reports); the
database now keeps that deadline in `current_due_at` and the inbox reads it in index order.
On a large PostgreSQL table, adding a stored generated column rewrites the table (it is locked
meanwhile); the index can be built beforehand after the column exists:
    CREATE INDEX CONCURRENTLY IF NOT EXISTS ix_report_inbox_order
        ON report (current_due_at, received_at DESC, id DESC);
"""

import sqlalchemy as sa
from alembic import op

import lapor.models.types

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None
# As it stood at this revision (lapor.models.report.CURRENT_DUE_SQL).
CURRENT_DUE_SQL = ("CASE WHEN state = 'received' THEN disposition_due_at "
                   "WHEN state IN ('disposed', 'in_progress') AND followed_up_at IS NULL "
                   "THEN followup_due_at END")


def upgrade() -> None:
    column = sa.Column("current_due_at", lapor.models.types.UTCDateTime(timezone=True),
                       sa.Computed(CURRENT_DUE_SQL, persisted=True), nullable=True)
    if op.get_bind().dialect.name == "sqlite":
        # SQLite cannot add a stored generated column to a table: batch mode copies it anew.
        with op.batch_alter_table("report", recreate="always") as batch_op:
            batch_op.add_column(column)
    else:
        op.add_column("report", column)
    op.create_index("ix_report_inbox_order", "report",
                    ["current_due_at", sa.text("received_at DESC"), sa.text("id DESC")], if_not_exists=True)


def downgrade() -> None:
    op.drop_index("ix_report_inbox_order", table_name="report")
    with op.batch_alter_table("report", schema=None) as batch_op:
        batch_op.drop_column("current_due_at")
