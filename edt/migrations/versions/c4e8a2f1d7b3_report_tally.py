"""report_tally: each enrolment's days, counted once and kept in the transaction that changes them

The reports join it instead of counting every person's marks on each view (reports/tally.py).
Filled here from the marks already recorded.

Revision ID: c4e8a2f1d7b3
Revises: da003d484d0a
Create Date: 2026-12-01 20:05:00

"""
from alembic import op
import sqlalchemy as sa


revision = 'c4e8a2f1d7b3'
down_revision = 'da003d484d0a'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('report_tally',
    sa.Column('enrolment_id', sa.Integer(), nullable=False),
    sa.Column('participant_id', sa.Integer(), nullable=False),
    sa.Column('marked', sa.Integer(), nullable=False),
    sa.Column('excused_or_better', sa.Integer(), nullable=False),
    sa.Column('attended', sa.Integer(), nullable=False),
    sa.Column('present', sa.Integer(), nullable=False),
    *[sa.Column(f'd{n}', sa.SmallInteger(), nullable=False) for n in range(1, 11)],
    sa.ForeignKeyConstraint(['enrolment_id'], ['enrolment.id'], name=op.f('fk_report_tally_enrolment_id_enrolment'),
                            ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('enrolment_id', name=op.f('pk_report_tally'))
    )
    with op.batch_alter_table('report_tally', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_report_tally_participant_id'), ['participant_id'], unique=False)
    from edt.modules.reports import tally  # the one definition of a count
    tally.rebuild(op.get_bind())


def downgrade():
    with op.batch_alter_table('report_tally', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_report_tally_participant_id'))
    op.drop_table('report_tally')
