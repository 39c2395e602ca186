"""data_version: one counter of committed changes to the records figures are computed from

The reports dashboard keeps its figures keyed by this counter (edt/changes.py).

Revision ID: b7d2c41e9a10
Revises: 49a1e0a434a8
Create Date: 2026-12-01 16:30:00

"""
import secrets

from alembic import op
import sqlalchemy as sa


revision = 'b7d2c41e9a10'
down_revision = '49a1e0a434a8'
branch_labels = None
depends_on = None


def upgrade():
    table = op.create_table('data_version',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('value', sa.BigInteger(), nullable=False),
    sa.Column('stamp', sa.String(length=32), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_data_version'))
    )
    op.bulk_insert(table, [{'id': 1, 'value': 0, 'stamp': secrets.token_hex(16)}])


def downgrade():
    op.drop_table('data_version')
