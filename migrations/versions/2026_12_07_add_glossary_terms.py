"""add glossary terms: the company's words, their synonyms and acronyms, and definitions

Revision ID: 9b3e61c0d7a2
Revises: 7e2f4a9c1b36
Create Date: 2026-12-07 05:20:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '9b3e61c0d7a2'
down_revision = '7e2f4a9c1b36'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('glossary_terms',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('term', sa.String(length=120), nullable=False),
    sa.Column('key', sa.String(length=120), nullable=False),
    sa.Column('synonyms', sa.Text(), nullable=False),
    sa.Column('definition', sa.Text(), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.Column('updated_by_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['updated_by_id'], ['users.id'], name=op.f('fk_glossary_terms_updated_by_id_users'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_glossary_terms')),
    sa.UniqueConstraint('key', name=op.f('uq_glossary_terms_key'))
    )


def downgrade():
    op.drop_table('glossary_terms')
