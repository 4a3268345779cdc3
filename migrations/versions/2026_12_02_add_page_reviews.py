"""add page reviews: who reviewed which page when, as evidence of what they know

Revision ID: a7b737f11a9b
Revises: f4511830c5e9
Create Date: 2026-12-02 11:38:41.254251

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'a7b737f11a9b'
down_revision = 'f4511830c5e9'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('page_reviews',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('page_id', sa.Integer(), nullable=False),
    sa.Column('reviewer_id', sa.Integer(), nullable=True),
    sa.Column('reviewed_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['page_id'], ['pages.id'], name=op.f('fk_page_reviews_page_id_pages'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['reviewer_id'], ['users.id'], name=op.f('fk_page_reviews_reviewer_id_users'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_page_reviews'))
    )
    with op.batch_alter_table('page_reviews', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_page_reviews_page_id'), ['page_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_page_reviews_reviewer_id'), ['reviewer_id'], unique=False)



def downgrade():
    with op.batch_alter_table('page_reviews', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_page_reviews_reviewer_id'))
        batch_op.drop_index(batch_op.f('ix_page_reviews_page_id'))

    op.drop_table('page_reviews')
