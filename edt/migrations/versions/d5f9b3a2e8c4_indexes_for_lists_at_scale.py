"""Indexes for lists at scale: participants by (partner_id, code), canvases by status

At 100,000 people the enrol picker and the partner's lists walked every code to find one
partner's (the composite index also serves lookups by partner alone), and the review queue read
every canvas to find the few sent for review.

Revision ID: d5f9b3a2e8c4
Revises: c4e8a2f1d7b3
Create Date: 2026-12-01 21:05:00

"""
from alembic import op


revision = 'd5f9b3a2e8c4'
down_revision = 'c4e8a2f1d7b3'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('participant', schema=None) as batch_op:
        batch_op.create_index('ix_participant_partner_id_code', ['partner_id', 'code'], unique=False)
        batch_op.drop_index('ix_participant_partner_id')
    with op.batch_alter_table('canvas', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_canvas_status'), ['status'], unique=False)


def downgrade():
    with op.batch_alter_table('canvas', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_canvas_status'))
    with op.batch_alter_table('participant', schema=None) as batch_op:
        batch_op.create_index('ix_participant_partner_id', ['partner_id'], unique=False)
        batch_op.drop_index('ix_participant_partner_id_code')
