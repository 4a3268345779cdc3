"""add page verification: who vouches for a page until when, each step of it, page views per
day and the daily trust score

Revision ID: 6f2d9b4e8a13
Revises: 3c8e5a1f7b42
Create Date: 2026-12-07 10:20:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '6f2d9b4e8a13'
down_revision = '3c8e5a1f7b42'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'page_trust',
        sa.Column('page_id', sa.Integer(), nullable=False),
        sa.Column('verifier_id', sa.Integer(), nullable=True),
        sa.Column('verified_at', sa.DateTime(), nullable=False),
        sa.Column('verified_until', sa.DateTime(), nullable=False),
        sa.Column('verified_revision', sa.Integer(), nullable=False),
        sa.Column('changed_at', sa.DateTime(), nullable=True),
        sa.Column('expiry_announced_at', sa.DateTime(), nullable=True),
        sa.Column('reminded_at', sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(['page_id'], ['pages.id'], ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['verifier_id'], ['users.id'], ondelete='SET NULL'),
        sa.PrimaryKeyConstraint('page_id'),
    )
    with op.batch_alter_table('page_trust', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_page_trust_verified_until'), ['verified_until'], unique=False)
    op.create_table(
        'verification_steps',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('page_id', sa.Integer(), nullable=False),
        sa.Column('step', sa.String(length=20), nullable=False),
        sa.Column('actor_id', sa.Integer(), nullable=True),
        sa.Column('at', sa.DateTime(), nullable=False),
        sa.Column('until', sa.DateTime(), nullable=True),
        sa.Column('revision', sa.Integer(), nullable=True),
        sa.Column('note', sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(['actor_id'], ['users.id'], ondelete='SET NULL'),
        sa.ForeignKeyConstraint(['page_id'], ['pages.id'], ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id'),
    )
    with op.batch_alter_table('verification_steps', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_verification_steps_page_id'), ['page_id'], unique=False)


    op.create_table(
        'page_view_counts',
        sa.Column('page_id', sa.Integer(), nullable=False),
        sa.Column('day', sa.Date(), nullable=False),
        sa.Column('views', sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(['page_id'], ['pages.id'], ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('page_id', 'day'),
    )
    with op.batch_alter_table('page_view_counts', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_page_view_counts_day'), ['day'], unique=False)
    op.create_table(
        'trust_snapshots',
        sa.Column('day', sa.Date(), nullable=False),
        sa.Column('viewed', sa.Integer(), nullable=False),
        sa.Column('verified', sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint('day'),
    )


def downgrade():
    op.drop_table('trust_snapshots')
    with op.batch_alter_table('page_view_counts', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_page_view_counts_day'))
    op.drop_table('page_view_counts')
    with op.batch_alter_table('verification_steps', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_verification_steps_page_id'))
    op.drop_table('verification_steps')
    with op.batch_alter_table('page_trust', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_page_trust_verified_until'))
    op.drop_table('page_trust')
