"""keep the rendered html of questions, answers, gap, forum and process descriptions, minutes

Revision ID: 4c8e2a6f9b13
Revises: 6f2d9b4e8a13
Create Date: 2026-12-07 10:00:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '4c8e2a6f9b13'
down_revision = '6f2d9b4e8a13'
branch_labels = None
depends_on = None

COLUMNS = [
    ('questions', 'body_html'),
    ('question_posts', 'body_html'),
    ('gaps', 'description_html'),
    ('forums', 'description_html'),
    ('forum_meetings', 'minutes_html'),
    ('processes', 'description_html'),
]


def upgrade():
    # Empty: each text is rendered on its first view and kept (wiki/rendered.py).
    for table, column in COLUMNS:
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.add_column(sa.Column(column, sa.Text(), nullable=True))
    # The renderer's bounds changed what some texts render to (markup past an element budget
    # shows as typed; raw HTML beside markup inside a word is no longer shown as text): pages
    # render again, by the new rules, when next shown.
    op.execute("UPDATE revisions SET html = NULL")


def downgrade():
    for table, column in reversed(COLUMNS):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_column(column)
