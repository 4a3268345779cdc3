"""add the asker's consent before a private question's exchange goes into the wiki

Revision ID: 4c1d8e6f2a75
Revises: 9b7c2a5e41f8
Create Date: 2026-12-07 07:00:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '4c1d8e6f2a75'
down_revision = '9b7c2a5e41f8'
branch_labels = None
depends_on = None


def upgrade():
    # Plain ALTER TABLEs: no copy of the questions table on SQLite.
    op.add_column('questions', sa.Column('publication_asked_at', sa.DateTime(), nullable=True))
    op.add_column('questions', sa.Column('publication_allowed_at', sa.DateTime(), nullable=True))


def downgrade():
    op.drop_column('questions', 'publication_allowed_at')
    op.drop_column('questions', 'publication_asked_at')
