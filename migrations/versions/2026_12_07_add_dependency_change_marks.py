"""add dependency change marks: pages and course modules that depend on a page that changed

Revision ID: 8d41c7a2e5f0
Revises: 7d2f4b9e1a63
Create Date: 2026-12-07 12:50:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '8d41c7a2e5f0'
down_revision = '7d2f4b9e1a63'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'dependency_changes',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('page_id', sa.Integer(), nullable=True),
        sa.Column('module_id', sa.Integer(), nullable=True),
        sa.Column('changed_page_id', sa.Integer(), nullable=False),
        sa.Column('from_revision', sa.Integer(), nullable=False),
        sa.Column('to_revision', sa.Integer(), nullable=False),
        sa.Column('changed_at', sa.DateTime(), nullable=False),
        sa.CheckConstraint('(page_id IS NULL) <> (module_id IS NULL)', name='ck_dependency_changes_one_dependant'),
        sa.ForeignKeyConstraint(['changed_page_id'], ['pages.id'], ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['module_id'], ['course_modules.id'], ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['page_id'], ['pages.id'], ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id'),
    )
    with op.batch_alter_table('dependency_changes', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_dependency_changes_changed_page_id'), ['changed_page_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_dependency_changes_module_id'), ['module_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_dependency_changes_page_id'), ['page_id'], unique=False)


def downgrade():
    with op.batch_alter_table('dependency_changes', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_dependency_changes_page_id'))
        batch_op.drop_index(batch_op.f('ix_dependency_changes_module_id'))
        batch_op.drop_index(batch_op.f('ix_dependency_changes_changed_page_id'))
    op.drop_table('dependency_changes')
