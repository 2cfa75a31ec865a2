"""notifications: email messages, staff emails, reporters' language, deferred outbox work

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-24 01:10:00.000000
"""

import sqlalchemy as sa
from alembic import op

import lapor.models.types

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("outgoing_message", schema=None) as batch_op:
        batch_op.alter_column("recipient", existing_type=sa.String(length=32),
                              type_=sa.String(length=254), existing_nullable=False)
        batch_op.add_column(sa.Column("subject", sa.String(length=200), nullable=True))
    with op.batch_alter_table("outbox", schema=None) as batch_op:
        batch_op.add_column(sa.Column("available_at", lapor.models.types.UTCDateTime(timezone=True),
                                      nullable=True))
    with op.batch_alter_table("user_account", schema=None) as batch_op:
        batch_op.add_column(sa.Column("email", sa.String(length=254), nullable=True))
    with op.batch_alter_table("report", schema=None) as batch_op:
        batch_op.add_column(sa.Column("language", sa.String(length=2), nullable=False,
                                      server_default="id"))


def downgrade() -> None:
    with op.batch_alter_table("report", schema=None) as batch_op:
        batch_op.drop_column("language")
    with op.batch_alter_table("user_account", schema=None) as batch_op:
        batch_op.drop_column("email")
    with op.batch_alter_table("outbox", schema=None) as batch_op:
        batch_op.drop_column("available_at")
    with op.batch_alter_table("outgoing_message", schema=None) as batch_op:
        batch_op.drop_column("subject")
        batch_op.alter_column("recipient", existing_type=sa.String(length=254),
                              type_=sa.String(length=32), existing_nullable=False)
