"""admin_event: the administration log (directory, calendars, policies, rules, accounts, keys)

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-07 23:00:00.000000

A new table; nothing existing changes. Like report_event, a trigger refuses any UPDATE of an
entry in the database itself (the models also refuse to delete one).
"""

import sqlalchemy as sa
from alembic import op

import lapor.models.types

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None

MESSAGE = "the administration log is append-only"


def upgrade() -> None:
    op.create_table(
        "admin_event",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("at", lapor.models.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("actor_kind", sa.String(length=12), nullable=False),
        sa.Column("actor_user_id", sa.Integer(), nullable=True),
        sa.Column("actor_name", sa.String(length=200), nullable=False),
        sa.Column("action", sa.String(length=40), nullable=False),
        sa.Column("subject", sa.String(length=120), nullable=False),
        sa.Column("data", sa.JSON(), nullable=True),
        sa.ForeignKeyConstraint(["actor_user_id"], ["user_account.id"],
                                name=op.f("fk_admin_event_actor_user_id_user_account")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_admin_event")),
    )
    op.create_index("ix_admin_event_action_id", "admin_event", ["action", "id"])
    op.create_index("ix_admin_event_subject_id", "admin_event", ["subject", "id"])
    if op.get_bind().dialect.name == "sqlite":
        op.execute("CREATE TRIGGER admin_event_append_only BEFORE UPDATE ON admin_event "
                   f"BEGIN SELECT RAISE(ABORT, '{MESSAGE}'); END")
        return
    op.execute("CREATE OR REPLACE FUNCTION admin_event_append_only() RETURNS trigger "
               "LANGUAGE plpgsql AS $$ BEGIN "
               f"RAISE EXCEPTION '{MESSAGE} (entry %)', OLD.id USING ERRCODE = 'integrity_constraint_violation'; "
               "END $$")
    op.execute("CREATE TRIGGER admin_event_append_only BEFORE UPDATE ON admin_event "
               "FOR EACH ROW EXECUTE FUNCTION admin_event_append_only()")


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        op.execute("DROP TRIGGER IF EXISTS admin_event_append_only")
    else:
        op.execute("DROP TRIGGER IF EXISTS admin_event_append_only ON admin_event")
        op.execute("DROP FUNCTION IF EXISTS admin_event_append_only()")
    op.drop_index("ix_admin_event_subject_id", table_name="admin_event")
    op.drop_index("ix_admin_event_action_id", table_name="admin_event")
    op.drop_table("admin_event")
