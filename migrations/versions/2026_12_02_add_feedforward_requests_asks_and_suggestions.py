"""add FeedForward requests, the peers asked, and their suggestions

Revision ID: bf6c1f13fae6
Revises: f4c5277134fd
Create Date: 2026-12-02 12:25:04.041056

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'bf6c1f13fae6'
down_revision = 'f4c5277134fd'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('feedforward_requests',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('requester_id', sa.Integer(), nullable=False),
    sa.Column('goal', sa.String(length=300), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['requester_id'], ['users.id'], name=op.f('fk_feedforward_requests_requester_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_feedforward_requests'))
    )
    with op.batch_alter_table('feedforward_requests', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_feedforward_requests_requester_id'), ['requester_id'], unique=False)

    op.create_table('feedforward_asks',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('request_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['request_id'], ['feedforward_requests.id'], name=op.f('fk_feedforward_asks_request_id_feedforward_requests'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_feedforward_asks_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_feedforward_asks')),
    sa.UniqueConstraint('request_id', 'user_id', name=op.f('uq_feedforward_asks_request_id_user_id'))
    )
    with op.batch_alter_table('feedforward_asks', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_feedforward_asks_request_id'), ['request_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_feedforward_asks_user_id'), ['user_id'], unique=False)

    op.create_table('feedforward_suggestions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('request_id', sa.Integer(), nullable=False),
    sa.Column('giver_id', sa.Integer(), nullable=False),
    sa.Column('text', sa.Text(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('note', sa.Text(), nullable=False),
    sa.Column('thanked_at', sa.DateTime(), nullable=True),
    sa.ForeignKeyConstraint(['giver_id'], ['users.id'], name=op.f('fk_feedforward_suggestions_giver_id_users'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['request_id'], ['feedforward_requests.id'], name=op.f('fk_feedforward_suggestions_request_id_feedforward_requests'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_feedforward_suggestions'))
    )
    with op.batch_alter_table('feedforward_suggestions', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_feedforward_suggestions_request_id'), ['request_id'], unique=False)



def downgrade():
    with op.batch_alter_table('feedforward_suggestions', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_feedforward_suggestions_request_id'))

    op.drop_table('feedforward_suggestions')
    with op.batch_alter_table('feedforward_asks', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_feedforward_asks_user_id'))
        batch_op.drop_index(batch_op.f('ix_feedforward_asks_request_id'))

    op.drop_table('feedforward_asks')
    with op.batch_alter_table('feedforward_requests', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_feedforward_requests_requester_id'))

    op.drop_table('feedforward_requests')
