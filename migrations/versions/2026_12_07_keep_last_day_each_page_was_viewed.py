"""keep the last day each page was viewed, and an index holding each page's daily views, for
content health over a million view counts

Revision ID: 5e0c3a8d9f21
Revises: 2b7e9f14c3d6
Create Date: 2026-12-07 13:50:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '5e0c3a8d9f21'
down_revision = '2b7e9f14c3d6'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'page_last_views',
        sa.Column('page_id', sa.Integer(), nullable=False),
        sa.Column('day', sa.Date(), nullable=False),
        sa.ForeignKeyConstraint(['page_id'], ['pages.id'], ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('page_id'),
    )
    op.execute(
        "INSERT INTO page_last_views (page_id, day) "
        "SELECT page_id, max(day) FROM page_view_counts GROUP BY page_id"
    )
    with op.batch_alter_table('page_last_views', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_page_last_views_day'), ['day'], unique=False)
    with op.batch_alter_table('page_view_counts', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_page_view_counts_day'))
        batch_op.create_index('ix_page_view_counts_page_day_views', ['page_id', 'day', 'views'], unique=False)


def downgrade():
    with op.batch_alter_table('page_view_counts', schema=None) as batch_op:
        batch_op.drop_index('ix_page_view_counts_page_day_views')
        batch_op.create_index(batch_op.f('ix_page_view_counts_day'), ['day'], unique=False)
    with op.batch_alter_table('page_last_views', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_page_last_views_day'))
    op.drop_table('page_last_views')
