"""add the claims of webhook deliveries and mail, mail retry times, and failing_since

Revision ID: 9d4b2e7c1a30
Revises: 9b3e61c0d7a2
Create Date: 2026-12-07 05:40:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '9d4b2e7c1a30'
down_revision = '9b3e61c0d7a2'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('webhook_deliveries', schema=None) as batch_op:
        batch_op.add_column(sa.Column('claimed_by', sa.String(length=32), nullable=True))
        batch_op.add_column(sa.Column('claimed_at', sa.DateTime(), nullable=True))
    with op.batch_alter_table('webhook_endpoints', schema=None) as batch_op:
        batch_op.add_column(sa.Column('failing_since', sa.DateTime(), nullable=True))
    with op.batch_alter_table('notifications', schema=None) as batch_op:
        batch_op.add_column(sa.Column('mail_claimed_by', sa.String(length=32), nullable=True))
        batch_op.add_column(sa.Column('mail_next_attempt_at', sa.DateTime(), nullable=True))
    # Deliveries claimed before: their claim time was kept in next_attempt_at.
    op.execute(
        "UPDATE webhook_deliveries SET claimed_at = next_attempt_at WHERE state = 'sending'"
    )


def downgrade():
    op.execute(
        "UPDATE webhook_deliveries SET next_attempt_at = claimed_at "
        "WHERE state = 'sending' AND claimed_at IS NOT NULL"
    )
    with op.batch_alter_table('notifications', schema=None) as batch_op:
        batch_op.drop_column('mail_next_attempt_at')
        batch_op.drop_column('mail_claimed_by')
    with op.batch_alter_table('webhook_endpoints', schema=None) as batch_op:
        batch_op.drop_column('failing_since')
    with op.batch_alter_table('webhook_deliveries', schema=None) as batch_op:
        batch_op.drop_column('claimed_at')
        batch_op.drop_column('claimed_by')
