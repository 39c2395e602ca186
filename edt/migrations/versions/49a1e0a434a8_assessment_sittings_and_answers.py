"""assessments: the Day 1 and Day 10 tests (sittings) and their versioned answers

One sitting per participant and stage; an answer is never changed in place (a correction adds a
version), and a partial unique index keeps one current answer per question.

Revision ID: 49a1e0a434a8
Revises: 9e1d8041e527
Create Date: 2026-12-01 13:30:56.788918

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '49a1e0a434a8'
down_revision = '9e1d8041e527'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('assessment_sitting',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('participant_id', sa.Integer(), nullable=False),
    sa.Column('batch_id', sa.Integer(), nullable=False),
    sa.Column('stage', sa.String(length=4), nullable=False),
    sa.Column('form', sa.String(length=1), nullable=False),
    sa.Column('form_version', sa.Integer(), nullable=False),
    sa.Column('started_by_id', sa.Integer(), nullable=True),
    sa.Column('started_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint("form IN ('A', 'B')", name=op.f('ck_assessment_sitting_form')),
    sa.CheckConstraint("stage IN ('pre', 'post')", name=op.f('ck_assessment_sitting_stage')),
    sa.ForeignKeyConstraint(['batch_id'], ['batch.id'], name=op.f('fk_assessment_sitting_batch_id_batch'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['participant_id'], ['participant.id'], name=op.f('fk_assessment_sitting_participant_id_participant'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['started_by_id'], ['user.id'], name=op.f('fk_assessment_sitting_started_by_id_user'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_assessment_sitting')),
    sa.UniqueConstraint('participant_id', 'stage', name='uq_assessment_sitting_participant_stage')
    )
    with op.batch_alter_table('assessment_sitting', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_assessment_sitting_batch_id'), ['batch_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_assessment_sitting_participant_id'), ['participant_id'], unique=False)

    op.create_table('assessment_answer',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('sitting_id', sa.Integer(), nullable=False),
    sa.Column('item_id', sa.String(length=40), nullable=False),
    sa.Column('skill', sa.String(length=16), nullable=False),
    sa.Column('response', sa.String(length=80), nullable=False),
    sa.Column('score', sa.Integer(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('is_current', sa.Boolean(), nullable=False),
    sa.Column('recorded_by_id', sa.Integer(), nullable=True),
    sa.Column('recorded_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint('score >= 0', name=op.f('ck_assessment_answer_score')),
    sa.CheckConstraint('version >= 1', name=op.f('ck_assessment_answer_version')),
    sa.ForeignKeyConstraint(['recorded_by_id'], ['user.id'], name=op.f('fk_assessment_answer_recorded_by_id_user'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['sitting_id'], ['assessment_sitting.id'], name=op.f('fk_assessment_answer_sitting_id_assessment_sitting'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_assessment_answer')),
    sa.UniqueConstraint('sitting_id', 'item_id', 'version', name='uq_assessment_answer_version')
    )
    with op.batch_alter_table('assessment_answer', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_assessment_answer_sitting_id'), ['sitting_id'], unique=False)
        batch_op.create_index('uq_assessment_answer_current', ['sitting_id', 'item_id'], unique=True, sqlite_where=sa.text('is_current'), postgresql_where=sa.text('is_current'))



def downgrade():
    with op.batch_alter_table('assessment_answer', schema=None) as batch_op:
        batch_op.drop_index('uq_assessment_answer_current', sqlite_where=sa.text('is_current'), postgresql_where=sa.text('is_current'))
        batch_op.drop_index(batch_op.f('ix_assessment_answer_sitting_id'))

    op.drop_table('assessment_answer')
    with op.batch_alter_table('assessment_sitting', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_assessment_sitting_participant_id'))
        batch_op.drop_index(batch_op.f('ix_assessment_sitting_batch_id'))

    op.drop_table('assessment_sitting')
