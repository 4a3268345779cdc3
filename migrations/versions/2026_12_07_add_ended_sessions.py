"""add ended sessions: the ids of sessions people logged out of, refused until they expire

Revision ID: 2f6b9d0c4e17
Revises: 8d41c7e2b9a3
Create Date: 2026-12-07 06:00:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '2f6b9d0c4e17'
down_revision = '8d41c7e2b9a3'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'ended_sessions',
        sa.Column('session_id', sa.String(length=64), nullable=False),
        sa.Column('expires_at', sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint('session_id', name=op.f('pk_ended_sessions')),
    )
    op.create_index(
        op.f('ix_ended_sessions_expires_at'), 'ended_sessions', ['expires_at'], unique=False
    )


def downgrade():
    op.drop_index(op.f('ix_ended_sessions_expires_at'), table_name='ended_sessions')
    op.drop_table('ended_sessions')
