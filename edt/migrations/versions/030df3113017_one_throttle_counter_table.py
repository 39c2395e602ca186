"""one throttle: throttle_counter replaces login_attempt and verify_request

Every limit (logins per account, per address group and per known device, the PIN/password change
page, the verify page and its name checks, roster checks) counts in throttle_counter, one row per
scope and keyed subject (edt/throttle.py). The two old logs of single attempts are dropped: they
held only recent failures and requests, which lose nothing worth keeping (an attempt in flight
during the upgrade simply counts again).

Revision ID: 030df3113017
Revises: ef70947599ad
Create Date: 2026-12-01 09:32:43.547188

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '030df3113017'
down_revision = 'ef70947599ad'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('throttle_counter',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('scope', sa.String(length=24), nullable=False),
    sa.Column('key', sa.String(length=64), nullable=False),
    sa.Column('subject_id', sa.Integer(), nullable=True),
    sa.Column('count', sa.Integer(), nullable=False),
    sa.Column('refused', sa.Integer(), nullable=False),
    sa.Column('window_start', sa.DateTime(timezone=True), nullable=False),
    sa.Column('last_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('blocked_until', sa.DateTime(timezone=True), nullable=True),
    sa.Column('locked_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('expires_at', sa.DateTime(timezone=True), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_throttle_counter')),
    sa.UniqueConstraint('scope', 'key', name='uq_throttle_counter_scope_key')
    )
    with op.batch_alter_table('throttle_counter', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_throttle_counter_expires_at'), ['expires_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_throttle_counter_subject_id'), ['subject_id'], unique=False)

    with op.batch_alter_table('login_attempt', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_login_attempt_account_key'))
        batch_op.drop_index(batch_op.f('ix_login_attempt_address'))
        batch_op.drop_index(batch_op.f('ix_login_attempt_at'))
    op.drop_table('login_attempt')

    with op.batch_alter_table('verify_request', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_verify_request_address'))
        batch_op.drop_index(batch_op.f('ix_verify_request_at'))
    op.drop_table('verify_request')


def downgrade():
    # The old tables come back empty: the counts of the throttle do not translate into them.
    op.create_table('verify_request',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('address', sa.String(length=64), nullable=False),
    sa.Column('at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_verify_request'))
    )
    with op.batch_alter_table('verify_request', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_verify_request_at'), ['at'], unique=False)
        batch_op.create_index(batch_op.f('ix_verify_request_address'), ['address'], unique=False)

    op.create_table('login_attempt',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('account_key', sa.String(length=64), nullable=False),
    sa.Column('address', sa.String(length=64), nullable=False),
    sa.Column('at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_login_attempt'))
    )
    with op.batch_alter_table('login_attempt', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_login_attempt_at'), ['at'], unique=False)
        batch_op.create_index(batch_op.f('ix_login_attempt_address'), ['address'], unique=False)
        batch_op.create_index(batch_op.f('ix_login_attempt_account_key'), ['account_key'], unique=False)

    with op.batch_alter_table('throttle_counter', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_throttle_counter_subject_id'))
        batch_op.drop_index(batch_op.f('ix_throttle_counter_expires_at'))
    op.drop_table('throttle_counter')
