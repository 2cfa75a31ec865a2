"""staff_session: desk sessions kept on the server; user_account.token_stamp

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-07 23:30:00.000000

A desk session was only a signed cookie: signing out cleared the browser's copy, and any other
copy went on working. Sessions are now rows that sign-out, a new password and a deactivation
end. Everyone signed in before this migration signs in once more. A nullable token_stamp is
added to user_account (no table rewrite); API tokens issued before it keep working.
"""

import sqlalchemy as sa
from alembic import op

import lapor.models.types

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "staff_session",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("key_hash", sa.String(length=64), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("created_at", lapor.models.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("seen_at", lapor.models.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("ended_at", lapor.models.types.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["user_id"], ["user_account.id"], name=op.f("fk_staff_session_user_id_user_account")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_staff_session")),
        sa.UniqueConstraint("key_hash", name=op.f("uq_staff_session_key_hash")),
    )
    op.create_index(op.f("ix_staff_session_user_id"), "staff_session", ["user_id"])
    op.add_column("user_account", sa.Column("token_stamp", sa.String(length=16), nullable=True))


def downgrade() -> None:
    # In place on SQLite too (3.35+): a batch copy would drop a table rows elsewhere refer to.
    op.drop_column("user_account", "token_stamp")
    op.drop_index(op.f("ix_staff_session_user_id"), table_name="staff_session")
    op.drop_table("staff_session")
