"""add edit drafts (unsaved editor text per person and page) and pending uploads (files pasted
into a page not saved yet)

Revision ID: 4c8e2a6f9b15
Revises: 44ca00dfab55
Create Date: 2026-12-07 09:40:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '4c8e2a6f9b15'
down_revision = '44ca00dfab55'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('edit_drafts',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('key', sa.String(length=40), nullable=False),
    sa.Column('page_id', sa.Integer(), nullable=True),
    sa.Column('process_id', sa.Integer(), nullable=True),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('base_revision', sa.Integer(), nullable=True),
    sa.Column('saved_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['page_id'], ['pages.id'], name=op.f('fk_edit_drafts_page_id_pages'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['process_id'], ['processes.id'], name=op.f('fk_edit_drafts_process_id_processes'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_edit_drafts_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_edit_drafts')),
    sa.UniqueConstraint('user_id', 'key', name=op.f('uq_edit_drafts_user_id_key'))
    )
    op.create_index(op.f('ix_edit_drafts_page_id'), 'edit_drafts', ['page_id'], unique=False)
    op.create_index(op.f('ix_edit_drafts_process_id'), 'edit_drafts', ['process_id'], unique=False)
    op.create_index(op.f('ix_edit_drafts_saved_at'), 'edit_drafts', ['saved_at'], unique=False)
    op.create_table('pending_uploads',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('process_id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('blob_sha256', sa.String(length=64), nullable=False),
    sa.Column('uploaded_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['blob_sha256'], ['blobs.sha256'], name=op.f('fk_pending_uploads_blob_sha256_blobs')),
    sa.ForeignKeyConstraint(['process_id'], ['processes.id'], name=op.f('fk_pending_uploads_process_id_processes'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_pending_uploads_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_pending_uploads')),
    sa.UniqueConstraint('user_id', 'process_id', 'name', name=op.f('uq_pending_uploads_user_id_process_id_name'))
    )
    op.create_index(op.f('ix_pending_uploads_blob_sha256'), 'pending_uploads', ['blob_sha256'], unique=False)
    op.create_index(op.f('ix_pending_uploads_process_id'), 'pending_uploads', ['process_id'], unique=False)
    op.create_index(op.f('ix_pending_uploads_uploaded_at'), 'pending_uploads', ['uploaded_at'], unique=False)
    op.create_index(op.f('ix_pending_uploads_user_id'), 'pending_uploads', ['user_id'], unique=False)


def downgrade():
    op.drop_table('pending_uploads')
    op.drop_table('edit_drafts')
