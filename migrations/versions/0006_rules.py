"""rules: versioned keyword rule sets per owner agency, and their rules

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-24 02:00:00.000000
"""

import sqlalchemy as sa
from alembic import op

import lapor.models.types

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "rule_set",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("agency_id", sa.Integer(), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("slot", sa.String(length=48), nullable=True),
        sa.Column("generation", sa.Integer(), nullable=True),
        sa.Column("stamp", sa.String(length=32), nullable=True),
        sa.Column("abbreviations", sa.JSON(), nullable=True),
        sa.Column("created_at", lapor.models.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("activated_at", lapor.models.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("activated_by_id", sa.Integer(), nullable=True),
        sa.Column("retired_at", lapor.models.types.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["agency_id"], ["agency.id"],
                                name=op.f("fk_rule_set_agency_id_agency")),
        sa.ForeignKeyConstraint(["created_by_id"], ["user_account.id"],
                                name=op.f("fk_rule_set_created_by_id_user_account")),
        sa.ForeignKeyConstraint(["activated_by_id"], ["user_account.id"],
                                name=op.f("fk_rule_set_activated_by_id_user_account")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_rule_set")),
        sa.UniqueConstraint("slot", name=op.f("uq_rule_set_slot")),
        sa.UniqueConstraint("generation", name=op.f("uq_rule_set_generation")),
    )
    with op.batch_alter_table("rule_set", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_rule_set_agency_id"), ["agency_id"], unique=False)

    op.create_table(
        "rule_row",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("rule_set_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("key", sa.String(length=64), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("target", sa.String(length=32), nullable=False),
        sa.Column("data", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(["rule_set_id"], ["rule_set.id"], ondelete="CASCADE",
                                name=op.f("fk_rule_row_rule_set_id_rule_set")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_rule_row")),
        sa.UniqueConstraint("rule_set_id", "key", name=op.f("uq_rule_row_rule_set_id_key")),
    )
    with op.batch_alter_table("rule_row", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_rule_row_rule_set_id"), ["rule_set_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("rule_row", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_rule_row_rule_set_id"))
    op.drop_table("rule_row")
    with op.batch_alter_table("rule_set", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_rule_set_agency_id"))
    op.drop_table("rule_set")
