"""add code pages: the page a trainer chose as an ERP code's own

Revision ID: c1cc46dc29c2
Revises: 4c8e2a6f9b13
Create Date: 2026-12-07 09:50:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'c1cc46dc29c2'
down_revision = '4c8e2a6f9b13'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('code_pages',
    sa.Column('code', sa.String(length=60), nullable=False),
    sa.Column('page_id', sa.Integer(), nullable=False),
    sa.Column('chosen_by_id', sa.Integer(), nullable=True),
    sa.Column('chosen_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['chosen_by_id'], ['users.id'], name=op.f('fk_code_pages_chosen_by_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['page_id'], ['pages.id'], name=op.f('fk_code_pages_page_id_pages'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('code', name=op.f('pk_code_pages'))
    )
    with op.batch_alter_table('code_pages', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_code_pages_page_id'), ['page_id'], unique=False)


def downgrade():
    with op.batch_alter_table('code_pages', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_code_pages_page_id'))

    op.drop_table('code_pages')
