"""supervision facts on the issue: seconds to accept and to resolve and whether each was in
time, the complaint it repeats, its latest rating; the indexes a period's figures are read
from (per group, replacing the group's index by time, and by time), and reopenings by time

Revision ID: 0017
Revises: 0016
Create Date: 2026-11-30 14:00:00

Existing issues get their facts from their history (issues.facts.fill), the same rules as
for new ones.
"""
import sqlalchemy as sa
from alembic import op

import issues.models
from issues import facts

revision = '0017'
down_revision = '0016'
branch_labels = None
depends_on = None

COLUMNS = ('ack_seconds', 'ack_on_time', 'resolve_seconds', 'resolve_on_time', 'rating')

# The indexes written out as they were when this revision was written: issues.facts' column
# tuples move on with later revisions (0018 widened the first), a migration must not.
GROUP_FACTS = ['group_id', 'created_at', 'status', 'ack_on_time', 'resolve_on_time',
               'repeat_of']
PERIOD_FACTS = ['created_at', 'group_id', 'status', 'assignee_id', 'department_code',
                'ack_seconds', 'ack_on_time', 'resolve_seconds', 'resolve_on_time', 'repeat_of']
RATED_FACTS = ['rated_at', 'group_id', 'status', 'assignee_id', 'department_code', 'rating']


def upgrade() -> None:
    with op.batch_alter_table('issues') as batch_op:
        for name in COLUMNS:
            batch_op.add_column(sa.Column(name, sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('rated_at', issues.models.UTCDateTime(timezone=True),
                                      nullable=True))
        batch_op.add_column(sa.Column('repeat_of', sa.Integer(), nullable=True))
    facts.fill(op.get_bind())
    op.create_index('ix_issues_group_facts', 'issues', GROUP_FACTS)
    op.drop_index('ix_issues_group_created', table_name='issues')  # the one above serves it
    op.create_index('ix_issues_facts', 'issues', PERIOD_FACTS)
    op.create_index('ix_issues_rated', 'issues', RATED_FACTS)
    op.create_index('ix_events_reopen_at', 'events', ['at'],
                    sqlite_where=facts.reopen_where(), postgresql_where=facts.reopen_where())


def downgrade() -> None:
    op.drop_index('ix_events_reopen_at', table_name='events')
    op.drop_index('ix_issues_rated', table_name='issues')
    op.drop_index('ix_issues_facts', table_name='issues')
    op.create_index('ix_issues_group_created', 'issues', ['group_id', 'created_at'])
    op.drop_index('ix_issues_group_facts', table_name='issues')
    with op.batch_alter_table('issues') as batch_op:
        batch_op.drop_column('repeat_of')
        batch_op.drop_column('rated_at')
        for name in reversed(COLUMNS):
            batch_op.drop_column(name)
