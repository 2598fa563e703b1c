"""the issues received in a period counted by status and category from an index alone: the
index by receipt time also holds the status, the category and the acceptance time (it serves
what the index by receipt time alone served)

Revision ID: 0019
Revises: 0018
Create Date: 2026-11-30 21:30:00
"""
from alembic import op

revision = '0019'
down_revision = '0018'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index('ix_issues_created_counts', 'issues',
                    ['created_at', 'status', 'category', 'acknowledged_at'])
    op.drop_index('ix_issues_created', table_name='issues')


def downgrade() -> None:
    op.create_index('ix_issues_created', 'issues', ['created_at'])
    op.drop_index('ix_issues_created_counts', table_name='issues')
