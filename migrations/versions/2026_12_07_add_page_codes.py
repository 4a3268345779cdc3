"""add page codes (the ERP codes each page's newest revision writes, kept at save for the code
registry), filled from every page's newest revision

Revision ID: 7d2f4b9e1a63
Revises: 3e9a7c5b2d18
Create Date: 2026-12-07 13:00:00

"""
import re

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '7d2f4b9e1a63'
down_revision = '3e9a7c5b2d18'
branch_labels = None
depends_on = None

# The rule of wiki.processes.page_codes as this migration was written (a migration keeps the
# rule of its day: a later change of the module's rule does not rewrite history).
CODE = re.compile(r"\b[A-Z][A-Z0-9]{1,5}_[A-Z0-9_]*[A-Z0-9]\b")
MAX_CODE_LENGTH = 100
BATCH = 1000


def upgrade():
    page_codes = op.create_table('page_codes',
    sa.Column('page_id', sa.Integer(), nullable=False),
    sa.Column('code', sa.String(length=100), nullable=False),
    sa.ForeignKeyConstraint(['page_id'], ['pages.id'], name=op.f('fk_page_codes_page_id_pages'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('page_id', 'code', name=op.f('pk_page_codes'))
    )
    with op.batch_alter_table('page_codes', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_page_codes_code'), ['code'], unique=False)

    # Page by page in batches, each read whole before its codes are written.
    newest = sa.text(
        "SELECT r.page_id, r.title, r.body FROM revisions r "
        "JOIN pages p ON p.id = r.page_id AND p.latest_revision = r.number "
        "WHERE r.page_id > :after ORDER BY r.page_id LIMIT :batch"
    )
    after = 0
    while True:
        batch = op.get_bind().execute(newest, {'after': after, 'batch': BATCH}).all()
        if not batch:
            break
        rows = []
        for page_id, title, body in batch:
            found = set(CODE.findall(title or "")) | set(CODE.findall(body or ""))
            rows += [{'page_id': page_id, 'code': code} for code in sorted(found) if len(code) <= MAX_CODE_LENGTH]
        if rows:
            op.bulk_insert(page_codes, rows)
        after = batch[-1][0]


def downgrade():
    with op.batch_alter_table('page_codes', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_page_codes_code'))

    op.drop_table('page_codes')
