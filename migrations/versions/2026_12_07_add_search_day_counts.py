"""add search day counts: searches, searches with no result and searches followed by opening a
result, per day and top process, for content health

Revision ID: 2b7e9f14c3d6
Revises: 8d41c7a2e5f0
Create Date: 2026-12-07 13:30:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '2b7e9f14c3d6'
down_revision = '8d41c7a2e5f0'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'search_day_counts',
        sa.Column('day', sa.Date(), nullable=False),
        sa.Column('area', sa.String(length=200), nullable=False),
        sa.Column('searches', sa.Integer(), nullable=False),
        sa.Column('no_results', sa.Integer(), nullable=False),
        sa.Column('opened', sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint('day', 'area'),
    )


def downgrade():
    op.drop_table('search_day_counts')
