"""add peer coaching groups, their members, meetings and attendance

Revision ID: f4c5277134fd
Revises: 5a99d11556bd
Create Date: 2026-12-02 12:21:05.007909

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'f4c5277134fd'
down_revision = '5a99d11556bd'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('peer_groups',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=120), nullable=False),
    sa.Column('primary_outcome', sa.String(length=40), nullable=False),
    sa.Column('facilitation', sa.String(length=20), nullable=False),
    sa.Column('external_facilitator', sa.String(length=120), nullable=False),
    sa.Column('ground_rules', sa.Text(), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('closed_on', sa.Date(), nullable=True),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_peer_groups_created_by_id_users'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_peer_groups'))
    )
    op.create_table('group_meetings',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('group_id', sa.Integer(), nullable=False),
    sa.Column('held_on', sa.Date(), nullable=False),
    sa.Column('length_minutes', sa.Integer(), nullable=False),
    sa.Column('facilitator_id', sa.Integer(), nullable=True),
    sa.Column('closing', sa.Boolean(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.CheckConstraint('length_minutes BETWEEN 1 AND 120', name=op.f('ck_group_meetings_at_most_two_hours')),
    sa.ForeignKeyConstraint(['facilitator_id'], ['users.id'], name=op.f('fk_group_meetings_facilitator_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['group_id'], ['peer_groups.id'], name=op.f('fk_group_meetings_group_id_peer_groups'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_group_meetings'))
    )
    with op.batch_alter_table('group_meetings', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_group_meetings_group_id'), ['group_id'], unique=False)

    op.create_table('peer_group_members',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('group_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('accepted_rules_at', sa.DateTime(), nullable=True),
    sa.ForeignKeyConstraint(['group_id'], ['peer_groups.id'], name=op.f('fk_peer_group_members_group_id_peer_groups'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_peer_group_members_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_peer_group_members')),
    sa.UniqueConstraint('group_id', 'user_id', name=op.f('uq_peer_group_members_group_id_user_id'))
    )
    with op.batch_alter_table('peer_group_members', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_peer_group_members_group_id'), ['group_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_peer_group_members_user_id'), ['user_id'], unique=False)

    op.create_table('meeting_attendance',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('meeting_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('present', sa.Boolean(), nullable=False),
    sa.Column('priority', sa.Text(), nullable=False),
    sa.Column('action', sa.Text(), nullable=False),
    sa.Column('action_status', sa.String(length=20), nullable=False),
    sa.Column('rating', sa.Integer(), nullable=True),
    sa.Column('comment', sa.Text(), nullable=False),
    sa.CheckConstraint('rating IS NULL OR rating BETWEEN 1 AND 5', name=op.f('ck_meeting_attendance_rating_one_to_five')),
    sa.ForeignKeyConstraint(['meeting_id'], ['group_meetings.id'], name=op.f('fk_meeting_attendance_meeting_id_group_meetings'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_meeting_attendance_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_meeting_attendance')),
    sa.UniqueConstraint('meeting_id', 'user_id', name=op.f('uq_meeting_attendance_meeting_id_user_id'))
    )
    with op.batch_alter_table('meeting_attendance', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_meeting_attendance_meeting_id'), ['meeting_id'], unique=False)



def downgrade():
    with op.batch_alter_table('meeting_attendance', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_meeting_attendance_meeting_id'))

    op.drop_table('meeting_attendance')
    with op.batch_alter_table('peer_group_members', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_peer_group_members_user_id'))
        batch_op.drop_index(batch_op.f('ix_peer_group_members_group_id'))

    op.drop_table('peer_group_members')
    with op.batch_alter_table('group_meetings', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_group_meetings_group_id'))

    op.drop_table('group_meetings')
    op.drop_table('peer_groups')
