"""assessment_sitting sums: each sitting keeps its current answers' count, points, points by
skill and answered/missed questions, rewritten by the service that saves an answer

The learning-gain report adds up one row per sitting instead of every answer (3.4 million at
100,000 participants). Filled here from the answers already recorded.

Revision ID: a7e19c0e5b21
Revises: d5f9b3a2e8c4
Create Date: 2026-12-02 10:00:00

"""
from alembic import op
import sqlalchemy as sa


revision = 'a7e19c0e5b21'
down_revision = 'd5f9b3a2e8c4'
branch_labels = None
depends_on = None

COLUMNS = ('answered', 'score', 'skill_scores', 'answered_items', 'missed_items')


def upgrade():
    with op.batch_alter_table('assessment_sitting', schema=None) as batch_op:
        for name in COLUMNS:
            kind = sa.Integer() if name in ('answered', 'score') else sa.BigInteger()
            batch_op.add_column(sa.Column(name, kind, server_default='0', nullable=False))
    from edt.modules.assessments import services  # the one definition of the sums
    op.get_bind().execute(services.rescore_statement())


def downgrade():
    with op.batch_alter_table('assessment_sitting', schema=None) as batch_op:
        for name in reversed(COLUMNS):
            batch_op.drop_column(name)
