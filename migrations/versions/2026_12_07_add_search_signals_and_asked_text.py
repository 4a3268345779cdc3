"""add search signals and "asked as" text: results opened from a search or marked helpful, and
the words of answered questions in the PostgreSQL search documents

On PostgreSQL the documents' weighted vector is generated again with the new column (weight C,
as the processes' names): the table is rewritten once. `wiki search reindex` (or the drift
check) then fills it.

Revision ID: 44ca00dfab55
Revises: c1cc46dc29c2
Create Date: 2026-12-07 10:00:00.000000

"""
from alembic import op
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql


# revision identifiers, used by Alembic.
revision = '44ca00dfab55'
down_revision = 'c1cc46dc29c2'
branch_labels = None
depends_on = None

HEAD = (
    "setweight(to_tsvector('english'::regconfig, title), 'A') || "
    "setweight(to_tsvector('english'::regconfig, headings), 'B') || "
    "setweight(to_tsvector('english'::regconfig, process), 'C')"
)
OLD_VECTOR = HEAD + " || setweight(to_tsvector('english'::regconfig, body), 'D')"
VECTOR = (
    HEAD + " || setweight(to_tsvector('english'::regconfig, asked), 'C')"
    " || setweight(to_tsvector('english'::regconfig, body), 'D')"
)
GIN = {'postgresql_using': 'gin', 'postgresql_with': {'gin_pending_list_limit': 256}}


def upgrade():
    op.create_table('search_signals',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('normalized', sa.String(length=500), nullable=False),
    sa.Column('document_key', sa.String(length=100), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=True),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_search_signals_user_id_users'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_search_signals'))
    )
    with op.batch_alter_table('search_signals', schema=None) as batch_op:
        batch_op.create_index('ix_search_signals_normalized_created_at', ['normalized', 'created_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_search_signals_user_id'), ['user_id'], unique=False)

    if op.get_bind().dialect.name != 'postgresql':
        return
    op.add_column('search_documents', sa.Column('asked', sa.Text(), server_default='', nullable=False))
    _vector(VECTOR)


def downgrade():
    if op.get_bind().dialect.name == 'postgresql':
        _vector(OLD_VECTOR)
        op.drop_column('search_documents', 'asked')
    with op.batch_alter_table('search_signals', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_search_signals_user_id'))
        batch_op.drop_index('ix_search_signals_normalized_created_at')

    op.drop_table('search_signals')


def _vector(expression: str) -> None:
    op.drop_index('ix_search_documents_vector', table_name='search_documents')
    op.drop_column('search_documents', 'vector')
    op.add_column('search_documents', sa.Column('vector', postgresql.TSVECTOR(), sa.Computed(expression, persisted=True), nullable=False))
    op.create_index('ix_search_documents_vector', 'search_documents', ['vector'], unique=False, **GIN)
