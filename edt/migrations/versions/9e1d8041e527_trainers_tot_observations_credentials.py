"""Trainers: ToT events, their days, trainees and marks; observations; facilitator credentials and their history.

Revision ID: 9e1d8041e527
Revises: 526ef558f511
Create Date: 2026-12-01 13:31:02.625460

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '9e1d8041e527'
down_revision = '526ef558f511'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('credential',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('status', sa.String(length=12), nullable=False),
    sa.Column('status_on', sa.Date(), nullable=False),
    sa.Column('reason', sa.String(length=300), nullable=False),
    sa.Column('serial', sa.String(length=20), nullable=True),
    sa.Column('code', sa.String(length=32), nullable=True),
    sa.Column('certified_on', sa.Date(), nullable=True),
    sa.Column('expires_on', sa.Date(), nullable=True),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint("status IN ('candidate', 'provisional', 'certified', 'lapsed', 'withdrawn')", name=op.f('ck_credential_status')),
    sa.CheckConstraint('expires_on is null or certified_on <= expires_on', name=op.f('ck_credential_dates')),
    sa.ForeignKeyConstraint(['user_id'], ['user.id'], name=op.f('fk_credential_user_id_user'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_credential')),
    sa.UniqueConstraint('code', name=op.f('uq_credential_code')),
    sa.UniqueConstraint('serial', name=op.f('uq_credential_serial')),
    sa.UniqueConstraint('user_id', name=op.f('uq_credential_user_id'))
    )
    with op.batch_alter_table('credential', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_credential_expires_on'), ['expires_on'], unique=False)

    op.create_table('tot_event',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('title', sa.String(length=120), nullable=False),
    sa.Column('kind', sa.String(length=12), nullable=False),
    sa.Column('venue', sa.String(length=160), nullable=False),
    sa.Column('start_date', sa.Date(), nullable=False),
    sa.Column('end_date', sa.Date(), nullable=False),
    sa.Column('master_trainer_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint("kind IN ('tot', 'refresher', 'other')", name=op.f('ck_tot_event_kind')),
    sa.CheckConstraint('start_date <= end_date', name=op.f('ck_tot_event_dates')),
    sa.ForeignKeyConstraint(['master_trainer_id'], ['user.id'], name=op.f('fk_tot_event_master_trainer_id_user'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_tot_event'))
    )
    with op.batch_alter_table('tot_event', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_tot_event_end_date'), ['end_date'], unique=False)
        batch_op.create_index(batch_op.f('ix_tot_event_master_trainer_id'), ['master_trainer_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_tot_event_start_date'), ['start_date'], unique=False)

    op.create_table('credential_change',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('credential_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('from_status', sa.String(length=12), nullable=False),
    sa.Column('to_status', sa.String(length=12), nullable=False),
    sa.Column('on', sa.Date(), nullable=False),
    sa.Column('reason', sa.String(length=300), nullable=False),
    sa.Column('actor_id', sa.Integer(), nullable=True),
    sa.Column('at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint("from_status IN ('candidate', 'provisional', 'certified', 'lapsed', 'withdrawn')", name=op.f('ck_credential_change_from_status')),
    sa.CheckConstraint("kind in ('status', 'lapsed_assignment')", name=op.f('ck_credential_change_kind')),
    sa.CheckConstraint("to_status IN ('candidate', 'provisional', 'certified', 'lapsed', 'withdrawn')", name=op.f('ck_credential_change_to_status')),
    sa.ForeignKeyConstraint(['actor_id'], ['user.id'], name=op.f('fk_credential_change_actor_id_user'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['credential_id'], ['credential.id'], name=op.f('fk_credential_change_credential_id_credential'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_credential_change'))
    )
    with op.batch_alter_table('credential_change', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_credential_change_credential_id'), ['credential_id'], unique=False)

    op.create_table('observation',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('facilitator_id', sa.Integer(), nullable=False),
    sa.Column('observer_id', sa.Integer(), nullable=True),
    sa.Column('observed_on', sa.Date(), nullable=False),
    sa.Column('tot_event_id', sa.Integer(), nullable=True),
    sa.Column('batch_id', sa.Integer(), nullable=True),
    sa.Column('session', sa.String(length=120), nullable=False),
    sa.Column('rubric_version', sa.Integer(), nullable=False),
    sa.Column('scores', sa.JSON(), nullable=False),
    sa.Column('mean_score', sa.Double(), nullable=False),
    sa.Column('meets_bar', sa.Boolean(), nullable=False),
    sa.Column('note', sa.Text(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint('mean_score between 1 and 4', name=op.f('ck_observation_mean_score')),
    sa.CheckConstraint('not (tot_event_id is not null and batch_id is not null)', name=op.f('ck_observation_one_context')),
    sa.ForeignKeyConstraint(['batch_id'], ['batch.id'], name=op.f('fk_observation_batch_id_batch'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['facilitator_id'], ['user.id'], name=op.f('fk_observation_facilitator_id_user'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['observer_id'], ['user.id'], name=op.f('fk_observation_observer_id_user'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['tot_event_id'], ['tot_event.id'], name=op.f('fk_observation_tot_event_id_tot_event'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_observation'))
    )
    with op.batch_alter_table('observation', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_observation_batch_id'), ['batch_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_observation_facilitator_id'), ['facilitator_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_observation_observed_on'), ['observed_on'], unique=False)
        batch_op.create_index(batch_op.f('ix_observation_tot_event_id'), ['tot_event_id'], unique=False)

    op.create_table('tot_day',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('tot_event_id', sa.Integer(), nullable=False),
    sa.Column('number', sa.Integer(), nullable=False),
    sa.Column('date', sa.Date(), nullable=False),
    sa.Column('guide_slug', sa.String(length=40), nullable=False),
    sa.CheckConstraint('number between 1 and 10', name=op.f('ck_tot_day_number')),
    sa.ForeignKeyConstraint(['tot_event_id'], ['tot_event.id'], name=op.f('fk_tot_day_tot_event_id_tot_event'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_tot_day')),
    sa.UniqueConstraint('tot_event_id', 'number', name='uq_tot_day_event_number')
    )
    with op.batch_alter_table('tot_day', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_tot_day_date'), ['date'], unique=False)
        batch_op.create_index(batch_op.f('ix_tot_day_tot_event_id'), ['tot_event_id'], unique=False)

    op.create_table('tot_partner',
    sa.Column('tot_event_id', sa.Integer(), nullable=False),
    sa.Column('partner_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['partner_id'], ['partner.id'], name=op.f('fk_tot_partner_partner_id_partner'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['tot_event_id'], ['tot_event.id'], name=op.f('fk_tot_partner_tot_event_id_tot_event'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('tot_event_id', 'partner_id', name=op.f('pk_tot_partner'))
    )
    with op.batch_alter_table('tot_partner', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_tot_partner_partner_id'), ['partner_id'], unique=False)

    op.create_table('tot_trainee',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('tot_event_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('added_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['tot_event_id'], ['tot_event.id'], name=op.f('fk_tot_trainee_tot_event_id_tot_event'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['user.id'], name=op.f('fk_tot_trainee_user_id_user'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_tot_trainee')),
    sa.UniqueConstraint('tot_event_id', 'user_id', name='uq_tot_trainee_event_user')
    )
    with op.batch_alter_table('tot_trainee', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_tot_trainee_tot_event_id'), ['tot_event_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_tot_trainee_user_id'), ['user_id'], unique=False)

    op.create_table('tot_mark',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('tot_day_id', sa.Integer(), nullable=False),
    sa.Column('trainee_id', sa.Integer(), nullable=False),
    sa.Column('status', sa.String(length=8), nullable=False),
    sa.Column('note', sa.String(length=200), nullable=False),
    sa.Column('marked_by_id', sa.Integer(), nullable=True),
    sa.Column('marked_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint("status IN ('present', 'late', 'excused', 'absent')", name=op.f('ck_tot_mark_status')),
    sa.ForeignKeyConstraint(['marked_by_id'], ['user.id'], name=op.f('fk_tot_mark_marked_by_id_user'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['tot_day_id'], ['tot_day.id'], name=op.f('fk_tot_mark_tot_day_id_tot_day'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['trainee_id'], ['tot_trainee.id'], name=op.f('fk_tot_mark_trainee_id_tot_trainee'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_tot_mark')),
    sa.UniqueConstraint('tot_day_id', 'trainee_id', name='uq_tot_mark_day_trainee')
    )
    with op.batch_alter_table('tot_mark', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_tot_mark_tot_day_id'), ['tot_day_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_tot_mark_trainee_id'), ['trainee_id'], unique=False)



def downgrade():
    with op.batch_alter_table('tot_mark', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_tot_mark_trainee_id'))
        batch_op.drop_index(batch_op.f('ix_tot_mark_tot_day_id'))

    op.drop_table('tot_mark')
    with op.batch_alter_table('tot_trainee', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_tot_trainee_user_id'))
        batch_op.drop_index(batch_op.f('ix_tot_trainee_tot_event_id'))

    op.drop_table('tot_trainee')
    with op.batch_alter_table('tot_partner', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_tot_partner_partner_id'))

    op.drop_table('tot_partner')
    with op.batch_alter_table('tot_day', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_tot_day_tot_event_id'))
        batch_op.drop_index(batch_op.f('ix_tot_day_date'))

    op.drop_table('tot_day')
    with op.batch_alter_table('observation', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_observation_tot_event_id'))
        batch_op.drop_index(batch_op.f('ix_observation_observed_on'))
        batch_op.drop_index(batch_op.f('ix_observation_facilitator_id'))
        batch_op.drop_index(batch_op.f('ix_observation_batch_id'))

    op.drop_table('observation')
    with op.batch_alter_table('credential_change', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_credential_change_credential_id'))

    op.drop_table('credential_change')
    with op.batch_alter_table('tot_event', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_tot_event_start_date'))
        batch_op.drop_index(batch_op.f('ix_tot_event_master_trainer_id'))
        batch_op.drop_index(batch_op.f('ix_tot_event_end_date'))

    op.drop_table('tot_event')
    with op.batch_alter_table('credential', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_credential_expires_on'))

    op.drop_table('credential')
