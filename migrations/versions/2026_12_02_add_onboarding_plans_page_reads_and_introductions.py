"""add onboarding plans (templates and items), page reads, introductions, and who assigned a buddy

Revision ID: 84a6a2295043
Revises: a7b737f11a9b
Create Date: 2026-12-02 12:06:06.964127

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '84a6a2295043'
down_revision = 'a7b737f11a9b'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('plan_templates',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=120), nullable=False),
    sa.Column('audience', sa.String(length=200), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_plan_templates')),
    sa.UniqueConstraint('name', name=op.f('uq_plan_templates_name'))
    )
    op.create_table('introductions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('newcomer_id', sa.Integer(), nullable=False),
    sa.Column('expert_id', sa.Integer(), nullable=False),
    sa.Column('process_id', sa.Integer(), nullable=False),
    sa.Column('introduced_by_id', sa.Integer(), nullable=True),
    sa.Column('note', sa.Text(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('met_at', sa.DateTime(), nullable=True),
    sa.ForeignKeyConstraint(['expert_id'], ['users.id'], name=op.f('fk_introductions_expert_id_users'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['introduced_by_id'], ['users.id'], name=op.f('fk_introductions_introduced_by_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['newcomer_id'], ['users.id'], name=op.f('fk_introductions_newcomer_id_users'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['process_id'], ['processes.id'], name=op.f('fk_introductions_process_id_processes'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_introductions'))
    )
    with op.batch_alter_table('introductions', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_introductions_expert_id'), ['expert_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_introductions_newcomer_id'), ['newcomer_id'], unique=False)

    op.create_table('page_reads',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('page_id', sa.Integer(), nullable=False),
    sa.Column('first_read_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['page_id'], ['pages.id'], name=op.f('fk_page_reads_page_id_pages'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_page_reads_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_page_reads')),
    sa.UniqueConstraint('user_id', 'page_id', name=op.f('uq_page_reads_user_id_page_id'))
    )
    with op.batch_alter_table('page_reads', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_page_reads_page_id'), ['page_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_page_reads_user_id'), ['user_id'], unique=False)

    op.create_table('plan_template_items',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('template_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('due_day', sa.Integer(), nullable=False),
    sa.Column('page_id', sa.Integer(), nullable=True),
    sa.Column('process_id', sa.Integer(), nullable=True),
    sa.CheckConstraint("kind IN ('read_page', 'learn_process', 'meet_expert', 'custom')", name=op.f('ck_plan_template_items_known_kind')),
    sa.ForeignKeyConstraint(['page_id'], ['pages.id'], name=op.f('fk_plan_template_items_page_id_pages'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['process_id'], ['processes.id'], name=op.f('fk_plan_template_items_process_id_processes'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['template_id'], ['plan_templates.id'], name=op.f('fk_plan_template_items_template_id_plan_templates'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_plan_template_items'))
    )
    with op.batch_alter_table('plan_template_items', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_plan_template_items_template_id'), ['template_id'], unique=False)

    op.create_table('plan_items',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('newcomer_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('due_on', sa.Date(), nullable=False),
    sa.Column('page_id', sa.Integer(), nullable=True),
    sa.Column('process_id', sa.Integer(), nullable=True),
    sa.Column('done_at', sa.DateTime(), nullable=True),
    sa.Column('done_by_id', sa.Integer(), nullable=True),
    sa.Column('template_item_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.CheckConstraint("kind IN ('read_page', 'learn_process', 'meet_expert', 'custom')", name=op.f('ck_plan_items_known_kind')),
    sa.ForeignKeyConstraint(['done_by_id'], ['users.id'], name=op.f('fk_plan_items_done_by_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['newcomer_id'], ['users.id'], name=op.f('fk_plan_items_newcomer_id_users'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['page_id'], ['pages.id'], name=op.f('fk_plan_items_page_id_pages'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['process_id'], ['processes.id'], name=op.f('fk_plan_items_process_id_processes'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['template_item_id'], ['plan_template_items.id'], name=op.f('fk_plan_items_template_item_id_plan_template_items'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_plan_items'))
    )
    with op.batch_alter_table('plan_items', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_plan_items_newcomer_id'), ['newcomer_id'], unique=False)

    with op.batch_alter_table('buddy_assignments', schema=None) as batch_op:
        batch_op.add_column(sa.Column('assigned_by_id', sa.Integer(), nullable=True))
        batch_op.create_foreign_key(batch_op.f('fk_buddy_assignments_assigned_by_id_users'), 'users', ['assigned_by_id'], ['id'], ondelete='SET NULL')



def downgrade():
    with op.batch_alter_table('buddy_assignments', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_buddy_assignments_assigned_by_id_users'), type_='foreignkey')
        batch_op.drop_column('assigned_by_id')

    with op.batch_alter_table('plan_items', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_plan_items_newcomer_id'))

    op.drop_table('plan_items')
    with op.batch_alter_table('plan_template_items', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_plan_template_items_template_id'))

    op.drop_table('plan_template_items')
    with op.batch_alter_table('page_reads', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_page_reads_user_id'))
        batch_op.drop_index(batch_op.f('ix_page_reads_page_id'))

    op.drop_table('page_reads')
    with op.batch_alter_table('introductions', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_introductions_newcomer_id'))
        batch_op.drop_index(batch_op.f('ix_introductions_expert_id'))

    op.drop_table('introductions')
    op.drop_table('plan_templates')
