"""add an admin's permission to link an account to company sign-in by email

Revision ID: 8d41c7e2b9a3
Revises: 5aa046ba77ee
Create Date: 2026-12-07 05:40:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '8d41c7e2b9a3'
down_revision = '5aa046ba77ee'
branch_labels = None
depends_on = None


def upgrade():
    # A plain ALTER TABLE on both databases: no copy of the users table (SQLite's batch mode
    # would rebuild it, which foreign keys to users refuse on a populated database).
    op.add_column(
        'users',
        sa.Column('company_link_allowed', sa.Boolean(), server_default='0', nullable=False),
    )


def downgrade():
    op.drop_column('users', 'company_link_allowed')
