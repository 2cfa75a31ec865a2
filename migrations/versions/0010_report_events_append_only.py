"""report_event: the database itself refuses to change an event

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-03 15:00:00.000000

A report's events are its history: who did what, when. The models refuse to update or delete
one (lapor.models.report), but a bulk UPDATE or raw SQL would not pass through them. A trigger
now refuses any UPDATE of report_event in the database. Deleting stays possible in SQL, for
whole reports removed under a retention rule and for test databases. A later migration that
copies this table (SQLite's batch mode) must create the trigger again.
"""

from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None

MESSAGE = "report events are append-only"


def upgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        op.execute("CREATE TRIGGER report_event_append_only BEFORE UPDATE ON report_event "
                   f"BEGIN SELECT RAISE(ABORT, '{MESSAGE}'); END")
        return
    op.execute("CREATE OR REPLACE FUNCTION report_event_append_only() RETURNS trigger "
               "LANGUAGE plpgsql AS $$ BEGIN "
               f"RAISE EXCEPTION '{MESSAGE} (event %)', OLD.id USING ERRCODE = 'integrity_constraint_violation'; "
               "END $$")
    op.execute("CREATE TRIGGER report_event_append_only BEFORE UPDATE ON report_event "
               "FOR EACH ROW EXECUTE FUNCTION report_event_append_only()")


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        op.execute("DROP TRIGGER IF EXISTS report_event_append_only")
        return
    op.execute("DROP TRIGGER IF EXISTS report_event_append_only ON report_event")
    op.execute("DROP FUNCTION IF EXISTS report_event_append_only()")
