"""render stored page html again: only the renderer's own classes are kept now

Revision ID: 6a3e8f1d2c90
Revises: 2f6b9d0c4e17
Create Date: 2026-12-07 06:15:00

"""
from alembic import op


# revision identifiers, used by Alembic.
revision = '6a3e8f1d2c90'
down_revision = '2f6b9d0c4e17'
branch_labels = None
depends_on = None


def upgrade():
    # A revision's HTML is rendered once and kept; what was kept before could hold classes an
    # author typed. Each is rendered again, by the new rules, when next shown.
    op.execute("UPDATE revisions SET html = NULL")


def downgrade():
    pass  # nothing to undo: the HTML is rendered again when shown
