"""event data: the facts of an event (a rating's score, an escalation's department and level,
how an issue was registered) as data for the presentation to word, instead of sentences in
the note

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-26 14:00:00

Events written before keep their notes as they are; the note holds only what a person wrote
from now on.
"""
import sqlalchemy as sa
from alembic import op

revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('events') as batch_op:
        batch_op.add_column(sa.Column('data', sa.JSON(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('events') as batch_op:
        batch_op.drop_column('data')
