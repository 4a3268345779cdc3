"""index pages by process and title (a process page's screens read in order), in place of the
index on process alone

Revision ID: 3e9a7c5b2d18
Revises: 8d2f6a4c1e37
Create Date: 2026-12-07 13:10:00.000000

"""
from alembic import op


# revision identifiers, used by Alembic.
revision = '3e9a7c5b2d18'
down_revision = '8d2f6a4c1e37'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('pages', schema=None) as batch_op:
        batch_op.create_index('ix_pages_process_id_title', ['process_id', 'title', 'id'], unique=False)
        batch_op.drop_index('ix_pages_process_id')


def downgrade():
    with op.batch_alter_table('pages', schema=None) as batch_op:
        batch_op.create_index('ix_pages_process_id', ['process_id'], unique=False)
        batch_op.drop_index('ix_pages_process_id_title')
