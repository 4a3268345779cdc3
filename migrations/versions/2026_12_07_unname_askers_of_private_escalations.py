"""unname the askers of private questions on the gaps their escalation logged

Revision ID: 9b7c2a5e41f8
Revises: 6a3e8f1d2c90
Create Date: 2026-12-07 06:30:00

"""
from alembic import op


# revision identifiers, used by Alembic.
revision = '9b7c2a5e41f8'
down_revision = '6a3e8f1d2c90'
branch_labels = None
depends_on = None


def upgrade():
    # Who asked a private question is for its readers only; the gap keeps them among the
    # people it affects, where no list names them.
    op.execute(
        "UPDATE gaps SET reporter_id = NULL WHERE source = 'escalated_question' AND question_id"
        " IN (SELECT id FROM questions WHERE private)"
    )


def downgrade():
    pass  # who asked is still on the question, for its readers
