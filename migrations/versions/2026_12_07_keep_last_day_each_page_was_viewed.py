"""keep the last day each page was viewed and its views in its last two 30-day periods, and an
index holding each page's daily views, for content health over a million view counts

Revision ID: 5e0c3a8d9f21
Revises: 2b7e9f14c3d6
Create Date: 2026-12-07 13:50:00.000000

"""
from datetime import date

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
        sa.Column('period', sa.Integer(), nullable=False),
        sa.Column('period_views', sa.Integer(), nullable=False),
        sa.Column('previous_views', sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(['page_id'], ['pages.id'], ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('page_id'),
    )
    # Every view so far counted in the current period: more than its views in the window, which
    # is all the bound must be (it tightens as the periods turn).
    period = date.today().toordinal() // 30
    op.execute(
        sa.text(
            "INSERT INTO page_last_views (page_id, day, period, period_views, previous_views) "
            "SELECT page_id, max(day), :period, sum(views), 0 FROM page_view_counts "
            "GROUP BY page_id"
        ).bindparams(period=period)
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
