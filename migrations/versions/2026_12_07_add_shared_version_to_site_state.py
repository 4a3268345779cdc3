"""add the shared version to the site state: what every reader sees the same is kept under it,
and writes only their own people see (a newcomer's reads) leave it

Revision ID: 8d2f6a4c1e37
Revises: 5b7e1d3c9a21
Create Date: 2026-12-07 13:00:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '8d2f6a4c1e37'
down_revision = '5b7e1d3c9a21'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('site_state', schema=None) as batch_op:
        batch_op.add_column(sa.Column('shared_version', sa.Integer(), nullable=False, server_default='0'))
    op.execute("UPDATE site_state SET shared_version = version")


def downgrade():
    with op.batch_alter_table('site_state', schema=None) as batch_op:
        batch_op.drop_column('shared_version')
