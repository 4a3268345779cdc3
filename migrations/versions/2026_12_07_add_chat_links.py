"""add chat links and the chat requests already answered

Revision ID: 3c8e5a1f7b42
Revises: 9d4b2e7c1a30
Create Date: 2026-12-07 10:00:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '3c8e5a1f7b42'
down_revision = '9d4b2e7c1a30'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'chat_links',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('user_id', sa.Integer(), nullable=False),
        sa.Column('platform', sa.String(length=10), nullable=False),
        sa.Column('workspace', sa.String(length=100), nullable=False),
        sa.Column('chat_user', sa.String(length=200), nullable=False),
        sa.Column('chat_name', sa.String(length=200), nullable=False),
        sa.Column('linked_at', sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(['user_id'], ['users.id'], ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('platform', 'workspace', 'chat_user'),
    )
    with op.batch_alter_table('chat_links', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_chat_links_user_id'), ['user_id'], unique=False)
    op.create_table(
        'seen_chat_requests',
        sa.Column('signature', sa.String(length=64), nullable=False),
        sa.Column('seen_at', sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint('signature'),
    )
    with op.batch_alter_table('seen_chat_requests', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_seen_chat_requests_seen_at'), ['seen_at'], unique=False)


def downgrade():
    with op.batch_alter_table('seen_chat_requests', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_seen_chat_requests_seen_at'))
    op.drop_table('seen_chat_requests')
    with op.batch_alter_table('chat_links', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_chat_links_user_id'))
    op.drop_table('chat_links')
