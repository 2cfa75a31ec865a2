"""report: an index on (received_at, id), the order every list of latest reports is read in

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-02 23:00:00.000000

On a large PostgreSQL table, building the index blocks new reports until it is done. To avoid
that, build it beforehand while the service runs, and this migration then finds it there:
    CREATE INDEX CONCURRENTLY IF NOT EXISTS ix_report_received_at_id ON report (received_at, id);
"""

from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_report_received_at_id", "report", ["received_at", "id"], unique=False,
                    if_not_exists=True)


def downgrade() -> None:
    op.drop_index("ix_report_received_at_id", table_name="report")
