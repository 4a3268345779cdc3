"""add user-group forums (members, meetings with attendees and minutes), the meeting a gap was
recorded in, trainers' subscriptions to a process subtree, and an index covering the gap report

Revision ID: 063fb25e2abe
Revises: a34f9b6332a5
Create Date: 2026-12-02 15:16:20.982680

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '063fb25e2abe'
down_revision = 'a34f9b6332a5'
branch_labels = None
depends_on = None


def upgrade():
    sqlite = op.get_bind().dialect.name == 'sqlite'
    op.create_table('forums',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('process_id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=120), nullable=False),
    sa.Column('description', sa.Text(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['process_id'], ['processes.id'], name=op.f('fk_forums_process_id_processes'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_forums')),
    sa.UniqueConstraint('process_id', name=op.f('uq_forums_process_id'))
    )
    op.create_table('gap_subscriptions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('process_id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['process_id'], ['processes.id'], name=op.f('fk_gap_subscriptions_process_id_processes'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_gap_subscriptions_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_gap_subscriptions')),
    sa.UniqueConstraint('user_id', 'process_id', name=op.f('uq_gap_subscriptions_user_id_process_id'))
    )
    with op.batch_alter_table('gap_subscriptions', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_gap_subscriptions_process_id'), ['process_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_gap_subscriptions_user_id'), ['user_id'], unique=False)

    op.create_table('forum_meetings',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('forum_id', sa.Integer(), nullable=False),
    sa.Column('held_on', sa.Date(), nullable=False),
    sa.Column('minutes', sa.Text(), nullable=False),
    sa.Column('recorded_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['forum_id'], ['forums.id'], name=op.f('fk_forum_meetings_forum_id_forums'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['recorded_by_id'], ['users.id'], name=op.f('fk_forum_meetings_recorded_by_id_users'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_forum_meetings')),
    sa.UniqueConstraint('forum_id', 'held_on', name=op.f('uq_forum_meetings_forum_id_held_on'))
    )
    with op.batch_alter_table('forum_meetings', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_forum_meetings_forum_id'), ['forum_id'], unique=False)

    op.create_table('forum_members',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('forum_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('joined_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['forum_id'], ['forums.id'], name=op.f('fk_forum_members_forum_id_forums'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_forum_members_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_forum_members')),
    sa.UniqueConstraint('forum_id', 'user_id', name=op.f('uq_forum_members_forum_id_user_id'))
    )
    with op.batch_alter_table('forum_members', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_forum_members_forum_id'), ['forum_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_forum_members_user_id'), ['user_id'], unique=False)

    op.create_table('forum_meeting_attendees',
    sa.Column('meeting_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['meeting_id'], ['forum_meetings.id'], name=op.f('fk_forum_meeting_attendees_meeting_id_forum_meetings'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_forum_meeting_attendees_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('meeting_id', 'user_id', name=op.f('pk_forum_meeting_attendees'))
    )
    with op.batch_alter_table('gaps', schema=None) as batch_op:
        batch_op.add_column(sa.Column('forum_meeting_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('people_affected', sa.Text(), nullable=False, server_default=''))
        batch_op.create_index(batch_op.f('ix_gaps_forum_meeting_id'), ['forum_meeting_id'], unique=False)
        batch_op.create_foreign_key(batch_op.f('fk_gaps_forum_meeting_id_forum_meetings'), 'forum_meetings', ['forum_meeting_id'], ['id'], ondelete='SET NULL')

    # Copy each gap's people into it, then (SQLite only, as in the model) cover the report.
    op.execute(
        "UPDATE gaps SET people_affected = COALESCE(("
        + ("SELECT group_concat(user_id) FROM gap_affected" if sqlite else
           "SELECT string_agg(CAST(user_id AS TEXT), ',') FROM gap_affected")
        + " WHERE gap_affected.gap_id = gaps.id), '')"
    )
    if sqlite:
        op.create_index('ix_gaps_report', 'gaps', ['merged_into_id', 'process_id', 'created_at', 'resolved_at', 'status', 'source', 'people_affected'], unique=False)


def downgrade():
    if op.get_bind().dialect.name == 'sqlite':
        op.drop_index('ix_gaps_report', table_name='gaps')
    with op.batch_alter_table('gaps', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_gaps_forum_meeting_id_forum_meetings'), type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_gaps_forum_meeting_id'))
        batch_op.drop_column('people_affected')
        batch_op.drop_column('forum_meeting_id')

    op.drop_table('forum_meeting_attendees')
    with op.batch_alter_table('forum_members', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_forum_members_user_id'))
        batch_op.drop_index(batch_op.f('ix_forum_members_forum_id'))

    op.drop_table('forum_members')
    with op.batch_alter_table('forum_meetings', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_forum_meetings_forum_id'))

    op.drop_table('forum_meetings')
    with op.batch_alter_table('gap_subscriptions', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_gap_subscriptions_user_id'))
        batch_op.drop_index(batch_op.f('ix_gap_subscriptions_process_id'))

    op.drop_table('gap_subscriptions')
    op.drop_table('forums')
