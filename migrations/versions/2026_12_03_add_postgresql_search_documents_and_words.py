"""add postgresql search documents and words

The PostgreSQL search backend's tables: documents with weighted tsvectors under GIN indexes,
and the vocabulary that prefixes expand to and typos are corrected against (pg_trgm). On any
other database this revision does nothing: whoosh keeps its index on disk there.

Revision ID: 7d1c5e9a2b40
Revises: 83ad11002681
Create Date: 2026-12-03 14:00:00

"""
from alembic import op
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql


# revision identifiers, used by Alembic.
revision = '7d1c5e9a2b40'
down_revision = '83ad11002681'
branch_labels = None
depends_on = None

HEAD = (
    "setweight(to_tsvector('english'::regconfig, title), 'A') || "
    "setweight(to_tsvector('english'::regconfig, headings), 'B') || "
    "setweight(to_tsvector('english'::regconfig, process), 'C')"
)
VECTOR = HEAD + " || setweight(to_tsvector('english'::regconfig, body), 'D')"
GIN = {'postgresql_using': 'gin', 'postgresql_with': {'gin_pending_list_limit': 256}}


def upgrade():
    if op.get_bind().dialect.name != 'postgresql':
        return
    # pg_trgm ships with PostgreSQL's contrib modules; where the wiki's role may not create
    # extensions, a superuser runs this statement once (README, "Search on PostgreSQL").
    op.execute('CREATE EXTENSION IF NOT EXISTS pg_trgm')
    op.create_table('search_documents',
    sa.Column('key', sa.String(length=100), nullable=False),
    sa.Column('type', sa.String(length=20), nullable=False),
    sa.Column('stamp', sa.String(length=40), nullable=False),
    sa.Column('title', sa.Text(), nullable=False),
    sa.Column('headings', sa.Text(), nullable=False),
    sa.Column('process', sa.Text(), nullable=False),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('tags', postgresql.ARRAY(sa.Text()), nullable=False),
    sa.Column('scope', postgresql.ARRAY(sa.Text()), nullable=False),
    sa.Column('readers', postgresql.ARRAY(sa.Text()), nullable=False),
    sa.Column('process_id', sa.Integer(), nullable=True),
    sa.Column('url', sa.Text(), nullable=False),
    sa.Column('updated', sa.DateTime(), nullable=False),
    sa.Column('vector', postgresql.TSVECTOR(), sa.Computed(VECTOR, persisted=True), nullable=False),
    sa.Column('head', postgresql.TSVECTOR(), sa.Computed(HEAD, persisted=True), nullable=False),
    sa.Column('title_words', postgresql.TSVECTOR(), sa.Computed("to_tsvector('simple'::regconfig, title)", persisted=True), nullable=False),
    sa.PrimaryKeyConstraint('key', name=op.f('pk_search_documents'))
    )
    op.create_index('ix_search_documents_vector', 'search_documents', ['vector'], unique=False, **GIN)
    op.create_index('ix_search_documents_head', 'search_documents', ['head'], unique=False, **GIN)
    op.create_index('ix_search_documents_title_words', 'search_documents', ['title_words'], unique=False, **GIN)
    op.create_index('ix_search_documents_scope', 'search_documents', ['scope'], unique=False, **GIN)
    op.create_index('ix_search_documents_tags', 'search_documents', ['tags'], unique=False, **GIN)
    op.create_index('ix_search_documents_updated', 'search_documents', ['updated'], unique=False)
    op.create_table('search_words',
    sa.Column('word', sa.Text(), nullable=False),
    sa.Column('documents', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('word', name=op.f('pk_search_words'))
    )
    op.create_index('ix_search_words_prefix', 'search_words', ['word'], unique=False, postgresql_ops={'word': 'text_pattern_ops'})
    op.create_index('ix_search_words_trigrams', 'search_words', ['word'], unique=False, postgresql_using='gist', postgresql_ops={'word': 'gist_trgm_ops'})


def downgrade():
    if op.get_bind().dialect.name != 'postgresql':
        return
    op.drop_table('search_words')
    op.drop_table('search_documents')
    # pg_trgm stays: other tables of the database may use it.
