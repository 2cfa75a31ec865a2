"""api keys: Open311 client applications

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-24 01:00:00.000000
"""

import sqlalchemy as sa
from alembic import op

import lapor.models.types

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "api_key",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("key_hash", sa.String(length=64), nullable=False),
        sa.Column("created_at", lapor.models.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("revoked_at", lapor.models.types.UTCDateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_api_key")),
        sa.UniqueConstraint("key_hash", name=op.f("uq_api_key_key_hash")),
    )


def downgrade() -> None:
    op.drop_table("api_key")
