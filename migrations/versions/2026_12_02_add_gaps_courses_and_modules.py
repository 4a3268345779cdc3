"""add gaps (the people they affect, their history) and courses with modules mapped to processes

Revision ID: a34f9b6332a5
Revises: bf6c1f13fae6
Create Date: 2026-12-02 12:59:31.018533

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'a34f9b6332a5'
down_revision = 'bf6c1f13fae6'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('courses',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('description', sa.Text(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_courses')),
    sa.UniqueConstraint('title', name=op.f('uq_courses_title'))
    )
    op.create_table('course_modules',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('course_id', sa.Integer(), nullable=False),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['course_id'], ['courses.id'], name=op.f('fk_course_modules_course_id_courses'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_course_modules'))
    )
    with op.batch_alter_table('course_modules', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_course_modules_course_id'), ['course_id'], unique=False)

    op.create_table('course_module_processes',
    sa.Column('module_id', sa.Integer(), nullable=False),
    sa.Column('process_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['module_id'], ['course_modules.id'], name=op.f('fk_course_module_processes_module_id_course_modules'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['process_id'], ['processes.id'], name=op.f('fk_course_module_processes_process_id_processes'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('module_id', 'process_id', name=op.f('pk_course_module_processes'))
    )
    op.create_table('gaps',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('description', sa.Text(), nullable=False),
    sa.Column('process_id', sa.Integer(), nullable=False),
    sa.Column('source', sa.String(length=30), nullable=False),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('reporter_id', sa.Integer(), nullable=True),
    sa.Column('source_page_id', sa.Integer(), nullable=True),
    sa.Column('search_query', sa.String(length=500), nullable=False),
    sa.Column('question_id', sa.Integer(), nullable=True),
    sa.Column('owner_id', sa.Integer(), nullable=True),
    sa.Column('due_on', sa.Date(), nullable=True),
    sa.Column('documented_page_id', sa.Integer(), nullable=True),
    sa.Column('documented_revision', sa.Integer(), nullable=True),
    sa.Column('course_module_id', sa.Integer(), nullable=True),
    sa.Column('reject_reason', sa.Text(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.Column('resolved_at', sa.DateTime(), nullable=True),
    sa.Column('merged_into_id', sa.Integer(), nullable=True),
    sa.CheckConstraint("status IN ('open', 'planned', 'documented', 'folded', 'closed', 'rejected')", name=op.f('ck_gaps_known_status')),
    sa.ForeignKeyConstraint(['course_module_id'], ['course_modules.id'], name=op.f('fk_gaps_course_module_id_course_modules'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['documented_page_id'], ['pages.id'], name=op.f('fk_gaps_documented_page_id_pages'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['merged_into_id'], ['gaps.id'], name=op.f('fk_gaps_merged_into_id_gaps'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['owner_id'], ['users.id'], name=op.f('fk_gaps_owner_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['process_id'], ['processes.id'], name=op.f('fk_gaps_process_id_processes'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['question_id'], ['questions.id'], name=op.f('fk_gaps_question_id_questions'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['reporter_id'], ['users.id'], name=op.f('fk_gaps_reporter_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['source_page_id'], ['pages.id'], name=op.f('fk_gaps_source_page_id_pages'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_gaps'))
    )
    with op.batch_alter_table('gaps', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_gaps_course_module_id'), ['course_module_id'], unique=False)
        batch_op.create_index('ix_gaps_process_id_status', ['process_id', 'status'], unique=False)

    op.create_table('gap_affected',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('gap_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('added_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['gap_id'], ['gaps.id'], name=op.f('fk_gap_affected_gap_id_gaps'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_gap_affected_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_gap_affected')),
    sa.UniqueConstraint('gap_id', 'user_id', name=op.f('uq_gap_affected_gap_id_user_id'))
    )
    with op.batch_alter_table('gap_affected', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_gap_affected_gap_id'), ['gap_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_gap_affected_user_id'), ['user_id'], unique=False)

    op.create_table('gap_events',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('gap_id', sa.Integer(), nullable=False),
    sa.Column('actor_id', sa.Integer(), nullable=True),
    sa.Column('what', sa.String(length=100), nullable=False),
    sa.Column('note', sa.Text(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['actor_id'], ['users.id'], name=op.f('fk_gap_events_actor_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['gap_id'], ['gaps.id'], name=op.f('fk_gap_events_gap_id_gaps'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_gap_events'))
    )
    with op.batch_alter_table('gap_events', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_gap_events_gap_id'), ['gap_id'], unique=False)



def downgrade():
    with op.batch_alter_table('gap_events', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_gap_events_gap_id'))

    op.drop_table('gap_events')
    with op.batch_alter_table('gap_affected', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_gap_affected_user_id'))
        batch_op.drop_index(batch_op.f('ix_gap_affected_gap_id'))

    op.drop_table('gap_affected')
    with op.batch_alter_table('gaps', schema=None) as batch_op:
        batch_op.drop_index('ix_gaps_process_id_status')
        batch_op.drop_index(batch_op.f('ix_gaps_course_module_id'))

    op.drop_table('gaps')
    op.drop_table('course_module_processes')
    with op.batch_alter_table('course_modules', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_course_modules_course_id'))

    op.drop_table('course_modules')
    op.drop_table('courses')
