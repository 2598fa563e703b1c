"""supervision indexes: the seconds of the stopped clocks in the per-group index (SQLite ranks
a period's times from the pass that counts it), ratings per group, and the open issues apart
(a partial index: their lights and lateness without reading the table)

Revision ID: 0018
Revises: 0017
Create Date: 2026-11-30 17:00:00
"""
import sqlalchemy as sa
from alembic import op

revision = '0018'
down_revision = '0017'
branch_labels = None
depends_on = None

# Written out: a migration keeps the shape it had when it was written.
GROUP_FACTS = ['group_id', 'created_at', 'status', 'ack_on_time', 'resolve_on_time',
               'repeat_of']
OPEN_STATUSES = "status IN ('open', 'acknowledged', 'in_progress')"


def upgrade() -> None:
    op.drop_index('ix_issues_group_facts', table_name='issues')
    op.create_index('ix_issues_group_facts', 'issues',
                    [*GROUP_FACTS, 'ack_seconds', 'resolve_seconds'])
    op.create_index('ix_issues_group_rated', 'issues',
                    ['group_id', 'rated_at', 'status', 'rating'])
    op.create_index('ix_issues_open', 'issues',
                    ['status', 'group_id', 'created_at', 'ack_due_at', 'ack_warn_at',
                     'acknowledged_at', 'resolve_due_at', 'resolve_warn_at', 'resolved_at',
                     'assignee_id', 'department_code'],
                    sqlite_where=sa.text(OPEN_STATUSES),
                    postgresql_where=sa.text(OPEN_STATUSES))


def downgrade() -> None:
    op.drop_index('ix_issues_open', table_name='issues')
    op.drop_index('ix_issues_group_rated', table_name='issues')
    op.drop_index('ix_issues_group_facts', table_name='issues')
    op.create_index('ix_issues_group_facts', 'issues', GROUP_FACTS)
