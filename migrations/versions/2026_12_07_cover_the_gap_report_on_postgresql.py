"""cover the gap report on PostgreSQL: the gaps in process order with what the report reads,
in two partial indexes (short and long people_affected)

Revision ID: 5b7e1d3c9a21
Revises: 1ca0fe268d79
Create Date: 2026-12-07 12:50:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '5b7e1d3c9a21'
down_revision = '1ca0fe268d79'
branch_labels = None
depends_on = None

# As wiki.gaps.models.SHORT_PEOPLE when this was written.
SHORT_PEOPLE = "octet_length(people_affected) <= 2000"


def upgrade():
    if op.get_bind().dialect.name != 'postgresql':
        return  # SQLite has ix_gaps_report
    op.create_index(
        'ix_gaps_report_short', 'gaps', ['process_id'], unique=False,
        postgresql_include=['created_at', 'resolved_at', 'status', 'source', 'people_affected'],
        postgresql_where=sa.text(f"merged_into_id IS NULL AND {SHORT_PEOPLE}"),
    )
    op.create_index(
        'ix_gaps_report_long', 'gaps', ['process_id'], unique=False,
        postgresql_where=sa.text(f"merged_into_id IS NULL AND NOT ({SHORT_PEOPLE})"),
    )


def downgrade():
    if op.get_bind().dialect.name != 'postgresql':
        return
    op.drop_index('ix_gaps_report_long', table_name='gaps')
    op.drop_index('ix_gaps_report_short', table_name='gaps')
