"""add coaching sessions, their options and actions (confidential to the two participants)

Revision ID: 5a99d11556bd
Revises: 84a6a2295043
Create Date: 2026-12-02 12:16:36.379496

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '5a99d11556bd'
down_revision = '84a6a2295043'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('coaching_sessions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('coach_id', sa.Integer(), nullable=False),
    sa.Column('client_id', sa.Integer(), nullable=False),
    sa.Column('first_person_id', sa.Integer(), nullable=False),
    sa.Column('second_person_id', sa.Integer(), nullable=False),
    sa.Column('held_on', sa.Date(), nullable=False),
    sa.Column('outcome_wanted', sa.Text(), nullable=False),
    sa.Column('situation', sa.Text(), nullable=False),
    sa.Column('recorded_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.CheckConstraint('coach_id <> client_id', name=op.f('ck_coaching_sessions_two_people')),
    sa.ForeignKeyConstraint(['client_id'], ['users.id'], name=op.f('fk_coaching_sessions_client_id_users'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['coach_id'], ['users.id'], name=op.f('fk_coaching_sessions_coach_id_users'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['first_person_id'], ['users.id'], name=op.f('fk_coaching_sessions_first_person_id_users'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['recorded_by_id'], ['users.id'], name=op.f('fk_coaching_sessions_recorded_by_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['second_person_id'], ['users.id'], name=op.f('fk_coaching_sessions_second_person_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_coaching_sessions'))
    )
    with op.batch_alter_table('coaching_sessions', schema=None) as batch_op:
        batch_op.create_index('ix_coaching_sessions_pair', ['first_person_id', 'second_person_id', 'held_on'], unique=False)

    op.create_table('coaching_actions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('session_id', sa.Integer(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('description', sa.Text(), nullable=False),
    sa.Column('owner_id', sa.Integer(), nullable=True),
    sa.Column('due_on', sa.Date(), nullable=True),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('review_note', sa.Text(), nullable=False),
    sa.Column('reviewed_in_id', sa.Integer(), nullable=True),
    sa.CheckConstraint("status IN ('open', 'done', 'changed', 'dropped')", name=op.f('ck_coaching_actions_known_status')),
    sa.ForeignKeyConstraint(['owner_id'], ['users.id'], name=op.f('fk_coaching_actions_owner_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['reviewed_in_id'], ['coaching_sessions.id'], name=op.f('fk_coaching_actions_reviewed_in_id_coaching_sessions'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['session_id'], ['coaching_sessions.id'], name=op.f('fk_coaching_actions_session_id_coaching_sessions'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_coaching_actions'))
    )
    with op.batch_alter_table('coaching_actions', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_coaching_actions_reviewed_in_id'), ['reviewed_in_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_coaching_actions_session_id'), ['session_id'], unique=False)

    op.create_table('coaching_options',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('session_id', sa.Integer(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('description', sa.Text(), nullable=False),
    sa.Column('pros', sa.Text(), nullable=False),
    sa.Column('cons', sa.Text(), nullable=False),
    sa.ForeignKeyConstraint(['session_id'], ['coaching_sessions.id'], name=op.f('fk_coaching_options_session_id_coaching_sessions'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_coaching_options'))
    )
    with op.batch_alter_table('coaching_options', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_coaching_options_session_id'), ['session_id'], unique=False)



def downgrade():
    with op.batch_alter_table('coaching_options', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_coaching_options_session_id'))

    op.drop_table('coaching_options')
    with op.batch_alter_table('coaching_actions', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_coaching_actions_session_id'))
        batch_op.drop_index(batch_op.f('ix_coaching_actions_reviewed_in_id'))

    op.drop_table('coaching_actions')
    with op.batch_alter_table('coaching_sessions', schema=None) as batch_op:
        batch_op.drop_index('ix_coaching_sessions_pair')

    op.drop_table('coaching_sessions')
