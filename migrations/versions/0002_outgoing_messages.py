"""outgoing messages

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-24 00:30:00.000000
"""

import sqlalchemy as sa
from alembic import op

import lapor.models.types

revision = '0002'
down_revision = '0001'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('outgoing_message',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('channel', sa.String(length=16), nullable=False),
    sa.Column('recipient', sa.String(length=32), nullable=False),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('report_id', sa.Integer(), nullable=True),
    sa.Column('in_reply_to', sa.String(length=120), nullable=True),
    sa.Column('state', sa.String(length=12), nullable=False),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('last_error', sa.Text(), nullable=True),
    sa.Column('gateway_ref', sa.String(length=120), nullable=True),
    sa.Column('created_at', lapor.models.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('sent_at', lapor.models.types.UTCDateTime(timezone=True), nullable=True),
    sa.Column('delivered_at', lapor.models.types.UTCDateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['report_id'], ['report.id'],
                            name=op.f('fk_outgoing_message_report_id_report')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_outgoing_message')),
    sa.UniqueConstraint('in_reply_to', name=op.f('uq_outgoing_message_in_reply_to'))
    )
    with op.batch_alter_table('outgoing_message', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_outgoing_message_report_id'), ['report_id'],
                              unique=False)
        batch_op.create_index(batch_op.f('ix_outgoing_message_state'), ['state'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('outgoing_message', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_outgoing_message_state'))
        batch_op.drop_index(batch_op.f('ix_outgoing_message_report_id'))

    op.drop_table('outgoing_message')
