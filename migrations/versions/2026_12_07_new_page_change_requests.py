"""change requests for new pages: page_id may be empty, the new page's process kept, and the
question a new page was made from (credited when it is approved)

Revision ID: 8d3f1b7c5e20
Revises: 5e0c3a8d9f21
Create Date: 2026-12-07 14:00:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '8d3f1b7c5e20'
down_revision = '5e0c3a8d9f21'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('change_requests', schema=None) as batch_op:
        batch_op.alter_column('page_id', existing_type=sa.Integer(), nullable=True)
        batch_op.add_column(sa.Column('process_id', sa.Integer(), nullable=True))
        batch_op.create_foreign_key(batch_op.f('fk_change_requests_process_id_processes'), 'processes', ['process_id'], ['id'], ondelete='CASCADE')
        batch_op.create_index(batch_op.f('ix_change_requests_process_id'), ['process_id'], unique=False)
        batch_op.add_column(sa.Column('question_id', sa.Integer(), nullable=True))
        batch_op.create_foreign_key(batch_op.f('fk_change_requests_question_id_questions'), 'questions', ['question_id'], ['id'], ondelete='SET NULL')


def downgrade():
    # A new page's request that was never approved has no page to keep it by: it goes.
    op.execute("DELETE FROM change_requests WHERE page_id IS NULL")
    with op.batch_alter_table('change_requests', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_change_requests_question_id_questions'), type_='foreignkey')
        batch_op.drop_column('question_id')
        batch_op.drop_index(batch_op.f('ix_change_requests_process_id'))
        batch_op.drop_constraint(batch_op.f('fk_change_requests_process_id_processes'), type_='foreignkey')
        batch_op.drop_column('process_id')
        batch_op.alter_column('page_id', existing_type=sa.Integer(), nullable=False)
