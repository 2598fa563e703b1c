"""issue index by resolution time: the dashboard's daily series counts the issues resolved on
each of the last 30 days, a range of this index instead of a scan of every issue

Revision ID: 0016
Revises: 0015
Create Date: 2026-11-30 14:20:00
"""
from alembic import op

revision = '0016'
down_revision = '0015'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index('ix_issues_resolved', 'issues', ['resolved_at'], unique=False)


def downgrade() -> None:
    op.drop_index('ix_issues_resolved', table_name='issues')
