"""add process controls and change requests (four eyes), revisions approved by

Revision ID: 1ca0fe268d79
Revises: c90b9e3d4027
Create Date: 2026-12-07 12:35:31.177584

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '1ca0fe268d79'
down_revision = 'c90b9e3d4027'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('process_controls',
    sa.Column('process_id', sa.Integer(), nullable=False),
    sa.Column('expert_level', sa.String(length=20), nullable=True),
    sa.Column('set_by_id', sa.Integer(), nullable=True),
    sa.Column('set_at', sa.DateTime(), nullable=False),
    sa.CheckConstraint("expert_level IS NULL OR expert_level IN ('practitioner', 'expert', 'owner')", name=op.f('ck_process_controls_known_expert_level')),
    sa.ForeignKeyConstraint(['process_id'], ['processes.id'], name=op.f('fk_process_controls_process_id_processes'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['set_by_id'], ['users.id'], name=op.f('fk_process_controls_set_by_id_users'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('process_id', name=op.f('pk_process_controls'))
    )
    op.create_table('change_requests',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('page_id', sa.Integer(), nullable=False),
    sa.Column('author_id', sa.Integer(), nullable=True),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('base_revision', sa.Integer(), nullable=False),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('summary', sa.String(length=300), nullable=False),
    sa.Column('state', sa.String(length=20), nullable=False),
    sa.Column('opened_at', sa.DateTime(), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.Column('decided_at', sa.DateTime(), nullable=True),
    sa.Column('decided_by_id', sa.Integer(), nullable=True),
    sa.Column('comment', sa.Text(), nullable=False),
    sa.Column('revision_number', sa.Integer(), nullable=True),
    sa.CheckConstraint("state IN ('open', 'changes_asked', 'approved', 'rejected')", name=op.f('ck_change_requests_known_state')),
    sa.ForeignKeyConstraint(['author_id'], ['users.id'], name=op.f('fk_change_requests_author_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['decided_by_id'], ['users.id'], name=op.f('fk_change_requests_decided_by_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['page_id'], ['pages.id'], name=op.f('fk_change_requests_page_id_pages'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_change_requests'))
    )
    with op.batch_alter_table('change_requests', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_change_requests_author_id'), ['author_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_change_requests_opened_at'), ['opened_at'], unique=False)
        batch_op.create_index('ix_change_requests_page_id_state', ['page_id', 'state'], unique=False)

    op.create_table('process_approvers',
    sa.Column('process_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['process_id'], ['process_controls.process_id'], name=op.f('fk_process_approvers_process_id_process_controls'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_process_approvers_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('process_id', 'user_id', name=op.f('pk_process_approvers'))
    )
    with op.batch_alter_table('process_approvers', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_process_approvers_user_id'), ['user_id'], unique=False)

    with op.batch_alter_table('revisions', schema=None) as batch_op:
        batch_op.add_column(sa.Column('approved_by_id', sa.Integer(), nullable=True))
        batch_op.create_foreign_key(batch_op.f('fk_revisions_approved_by_id_users'), 'users', ['approved_by_id'], ['id'], ondelete='SET NULL')



def downgrade():
    with op.batch_alter_table('revisions', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_revisions_approved_by_id_users'), type_='foreignkey')
        batch_op.drop_column('approved_by_id')

    with op.batch_alter_table('process_approvers', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_process_approvers_user_id'))

    op.drop_table('process_approvers')
    with op.batch_alter_table('change_requests', schema=None) as batch_op:
        batch_op.drop_index('ix_change_requests_page_id_state')
        batch_op.drop_index(batch_op.f('ix_change_requests_opened_at'))
        batch_op.drop_index(batch_op.f('ix_change_requests_author_id'))

    op.drop_table('change_requests')
    op.drop_table('process_controls')
