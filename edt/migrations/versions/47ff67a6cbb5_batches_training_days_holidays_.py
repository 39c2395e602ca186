"""batches, training days, holidays, enrolments, attendance

Revision ID: 47ff67a6cbb5
Revises: 990178fc778f
Create Date: 2026-11-22 18:51:49.900427

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '47ff67a6cbb5'
down_revision = '990178fc778f'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('holiday',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('date', sa.Date(), nullable=False),
    sa.Column('name', sa.String(length=80), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_holiday')),
    sa.UniqueConstraint('date', name=op.f('uq_holiday_date'))
    )
    op.create_table('batch',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('code', sa.String(length=16), nullable=False),
    sa.Column('partner_id', sa.Integer(), nullable=False),
    sa.Column('district', sa.String(length=40), nullable=False),
    sa.Column('venue', sa.String(length=160), nullable=False),
    sa.Column('start_date', sa.Date(), nullable=False),
    sa.Column('end_date', sa.Date(), nullable=False),
    sa.Column('off_days', sa.String(length=7), nullable=False),
    sa.Column('language', sa.String(length=2), nullable=False),
    sa.Column('capacity', sa.Integer(), nullable=False),
    sa.Column('master_trainer_id', sa.Integer(), nullable=True),
    sa.Column('cancelled_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint("language in ('bn', 'en')", name=op.f('ck_batch_language')),
    sa.CheckConstraint('capacity between 1 and 60', name=op.f('ck_batch_capacity')),
    sa.CheckConstraint('start_date <= end_date', name=op.f('ck_batch_dates')),
    sa.ForeignKeyConstraint(['master_trainer_id'], ['user.id'], name=op.f('fk_batch_master_trainer_id_user')),
    sa.ForeignKeyConstraint(['partner_id'], ['partner.id'], name=op.f('fk_batch_partner_id_partner')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_batch')),
    sa.UniqueConstraint('code', name=op.f('uq_batch_code'))
    )
    with op.batch_alter_table('batch', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_batch_end_date'), ['end_date'], unique=False)
        batch_op.create_index(batch_op.f('ix_batch_master_trainer_id'), ['master_trainer_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_batch_partner_id'), ['partner_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_batch_start_date'), ['start_date'], unique=False)

    op.create_table('batch_facilitator',
    sa.Column('batch_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['batch_id'], ['batch.id'], name=op.f('fk_batch_facilitator_batch_id_batch'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['user.id'], name=op.f('fk_batch_facilitator_user_id_user'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('batch_id', 'user_id', name=op.f('pk_batch_facilitator'))
    )
    with op.batch_alter_table('batch_facilitator', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_batch_facilitator_user_id'), ['user_id'], unique=False)

    op.create_table('enrolment',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('batch_id', sa.Integer(), nullable=False),
    sa.Column('participant_id', sa.Integer(), nullable=False),
    sa.Column('status', sa.String(length=12), nullable=False),
    sa.Column('enrolled_on', sa.Date(), nullable=False),
    sa.Column('ended_on', sa.Date(), nullable=True),
    sa.Column('reason', sa.String(length=12), nullable=True),
    sa.Column('transferred_to_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint("reason is null or reason in ('work', 'moved', 'health', 'family', 'unreachable', 'other', 'transfer')", name=op.f('ck_enrolment_reason')),
    sa.CheckConstraint("status in ('active', 'dropped', 'transferred')", name=op.f('ck_enrolment_status')),
    sa.ForeignKeyConstraint(['batch_id'], ['batch.id'], name=op.f('fk_enrolment_batch_id_batch')),
    sa.ForeignKeyConstraint(['participant_id'], ['participant.id'], name=op.f('fk_enrolment_participant_id_participant')),
    sa.ForeignKeyConstraint(['transferred_to_id'], ['enrolment.id'], name=op.f('fk_enrolment_transferred_to_id_enrolment')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_enrolment')),
    sa.UniqueConstraint('batch_id', 'participant_id', name='uq_enrolment_batch_participant')
    )
    with op.batch_alter_table('enrolment', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_enrolment_batch_id'), ['batch_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_enrolment_participant_id'), ['participant_id'], unique=False)
        batch_op.create_index('uq_enrolment_one_active', ['participant_id'], unique=True, sqlite_where=sa.text("status = 'active'"), postgresql_where=sa.text("status = 'active'"))

    op.create_table('training_day',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('batch_id', sa.Integer(), nullable=False),
    sa.Column('number', sa.Integer(), nullable=False),
    sa.Column('date', sa.Date(), nullable=False),
    sa.CheckConstraint('number between 1 and 10', name=op.f('ck_training_day_number')),
    sa.ForeignKeyConstraint(['batch_id'], ['batch.id'], name=op.f('fk_training_day_batch_id_batch'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_training_day')),
    sa.UniqueConstraint('batch_id', 'date', name='uq_training_day_batch_date'),
    sa.UniqueConstraint('batch_id', 'number', name='uq_training_day_batch_number')
    )
    with op.batch_alter_table('training_day', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_training_day_batch_id'), ['batch_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_training_day_date'), ['date'], unique=False)

    op.create_table('attendance_mark',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('training_day_id', sa.Integer(), nullable=False),
    sa.Column('enrolment_id', sa.Integer(), nullable=False),
    sa.Column('status', sa.String(length=8), nullable=False),
    sa.Column('note', sa.String(length=200), nullable=False),
    sa.Column('marked_by_id', sa.Integer(), nullable=True),
    sa.Column('marked_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint("status in ('present', 'late', 'excused', 'absent')", name=op.f('ck_attendance_mark_status')),
    sa.ForeignKeyConstraint(['enrolment_id'], ['enrolment.id'], name=op.f('fk_attendance_mark_enrolment_id_enrolment'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['marked_by_id'], ['user.id'], name=op.f('fk_attendance_mark_marked_by_id_user'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['training_day_id'], ['training_day.id'], name=op.f('fk_attendance_mark_training_day_id_training_day'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_attendance_mark')),
    sa.UniqueConstraint('training_day_id', 'enrolment_id', name='uq_attendance_mark_day_enrolment')
    )
    with op.batch_alter_table('attendance_mark', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_attendance_mark_enrolment_id'), ['enrolment_id'], unique=False)



def downgrade():
    with op.batch_alter_table('attendance_mark', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_attendance_mark_enrolment_id'))

    op.drop_table('attendance_mark')
    with op.batch_alter_table('training_day', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_training_day_date'))
        batch_op.drop_index(batch_op.f('ix_training_day_batch_id'))

    op.drop_table('training_day')
    with op.batch_alter_table('enrolment', schema=None) as batch_op:
        batch_op.drop_index('uq_enrolment_one_active', sqlite_where=sa.text("status = 'active'"), postgresql_where=sa.text("status = 'active'"))
        batch_op.drop_index(batch_op.f('ix_enrolment_participant_id'))
        batch_op.drop_index(batch_op.f('ix_enrolment_batch_id'))

    op.drop_table('enrolment')
    with op.batch_alter_table('batch_facilitator', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_batch_facilitator_user_id'))

    op.drop_table('batch_facilitator')
    with op.batch_alter_table('batch', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_batch_start_date'))
        batch_op.drop_index(batch_op.f('ix_batch_partner_id'))
        batch_op.drop_index(batch_op.f('ix_batch_master_trainer_id'))
        batch_op.drop_index(batch_op.f('ix_batch_end_date'))

    op.drop_table('batch')
    op.drop_table('holiday')
