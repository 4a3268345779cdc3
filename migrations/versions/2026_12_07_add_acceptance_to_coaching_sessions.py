"""add the partner's acceptance of coaching sessions

Revision ID: 7e2f4a9c1b36
Revises: 4c1d8e6f2a75
Create Date: 2026-12-07 07:10:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '7e2f4a9c1b36'
down_revision = '4c1d8e6f2a75'
branch_labels = None
depends_on = None


def upgrade():
    op.add_column('coaching_sessions', sa.Column('accepted_at', sa.DateTime(), nullable=True))
    # Sessions recorded before: their pairs have been working together; they stand.
    op.execute("UPDATE coaching_sessions SET accepted_at = created_at")


def downgrade():
    op.drop_column('coaching_sessions', 'accepted_at')
