"""inbox of Telegram updates fetched but not yet handled; light counts by index

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-25 12:10:00
"""
import sqlalchemy as sa
from alembic import op

import issues.models

revision = '0003'
down_revision = '0002'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'inbox',
        sa.Column('update_id', sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column('payload', sa.Text(), nullable=False),
        sa.Column('received_at', issues.models.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint('update_id'),
    )
    # A group's yellow and red counts walk (group, status, due) ranges; the old
    # (group, status) index is a prefix of both.
    op.create_index('ix_issues_group_status_ackdue', 'issues',
                    ['group_id', 'status', 'ack_due_at'])
    op.create_index('ix_issues_group_status_resolvedue', 'issues',
                    ['group_id', 'status', 'resolve_due_at'])
    op.drop_index('ix_issues_group_status', table_name='issues')


def downgrade() -> None:
    op.create_index('ix_issues_group_status', 'issues', ['group_id', 'status'])
    op.drop_index('ix_issues_group_status_resolvedue', table_name='issues')
    op.drop_index('ix_issues_group_status_ackdue', table_name='issues')
    op.drop_table('inbox')
