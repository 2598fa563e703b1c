"""supervision facts on the issue: seconds to accept and to resolve and whether each was in
time, the complaint it repeats, its latest rating; the indexes a period's figures are read
from (per group, replacing the group's index by time, and by time), and reopenings by time

Revision ID: 0017
Revises: 0016
Create Date: 2026-11-30 14:00:00

Existing issues get their facts from their history, by the rules new ones had when this
revision was written (written out here: issues.facts moves on with later revisions, a
migration must not).
"""
import sqlalchemy as sa
from alembic import op
from sqlalchemy.engine import Connection

import issues.models

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
# Reopenings: literally issues.facts.REOPEN_SQL of this revision (SQLite uses a partial index
# only for a query that repeats its condition literally).
REOPEN_WHERE = ("from_status IN ('resolved', 'closed', 'rejected') "
                "AND to_status IN ('open', 'acknowledged', 'in_progress')")
REPEAT_WINDOW_SECONDS = 30 * 86400  # a repeat: the same complaint again within 30 days


def fill(conn: Connection) -> None:
    """Every fact of every issue from its history: clocks from their times, repeats by
    intake's rule (the previous complaint of the same group, category and place, not
    withdrawn, within the window), the latest rating."""
    sqlite = conn.dialect.name == 'sqlite'

    def seconds(later: str) -> str:
        if sqlite:
            return f"CAST(round((julianday({later}) - julianday(created_at)) * 86400) AS INTEGER)"
        return f"CAST(round(extract(epoch FROM {later} - created_at)) AS INTEGER)"

    def on_time(at: str, due: str) -> str:
        return f"CASE WHEN {at} IS NULL THEN NULL WHEN {at} <= {due} THEN 1 ELSE 0 END"

    conn.execute(sa.text(
        f"UPDATE issues SET ack_seconds = {seconds('acknowledged_at')}, "
        f"ack_on_time = {on_time('acknowledged_at', 'ack_due_at')}, "
        f"resolve_seconds = {seconds('resolved_at')}, "
        f"resolve_on_time = {on_time('resolved_at', 'resolve_due_at')} "
        "WHERE acknowledged_at IS NOT NULL OR resolved_at IS NOT NULL"))
    gap = ("(julianday(p.created_at) - julianday(p.before_at)) * 86400" if sqlite
           else "extract(epoch FROM p.created_at - p.before_at)")
    conn.execute(sa.text(
        "UPDATE issues SET repeat_of = p.before_id FROM ("
        "SELECT id, created_at, lag(id) OVER w AS before_id, lag(created_at) OVER w AS before_at "
        "FROM issues WHERE status <> 'withdrawn' AND location_text <> '' "
        "WINDOW w AS (PARTITION BY group_id, category, location_text ORDER BY created_at, id)"
        f") AS p WHERE p.id = issues.id AND p.before_id IS NOT NULL "
        f"AND {gap} <= {REPEAT_WINDOW_SECONDS}"))
    conn.execute(sa.text(
        "UPDATE issues SET rating = r.score, rated_at = r.at FROM ("
        "SELECT issue_id, score, at, row_number() OVER "
        "(PARTITION BY issue_id ORDER BY at DESC, id DESC) AS n FROM ratings"
        ") AS r WHERE r.issue_id = issues.id AND r.n = 1"))


def upgrade() -> None:
    with op.batch_alter_table('issues') as batch_op:
        for name in COLUMNS:
            batch_op.add_column(sa.Column(name, sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('rated_at', issues.models.UTCDateTime(timezone=True),
                                      nullable=True))
        batch_op.add_column(sa.Column('repeat_of', sa.Integer(), nullable=True))
    fill(op.get_bind())
    op.create_index('ix_issues_group_facts', 'issues', GROUP_FACTS)
    op.drop_index('ix_issues_group_created', table_name='issues')  # the one above serves it
    op.create_index('ix_issues_facts', 'issues', PERIOD_FACTS)
    op.create_index('ix_issues_rated', 'issues', RATED_FACTS)
    op.create_index('ix_events_reopen_at', 'events', ['at'],
                    sqlite_where=sa.text(REOPEN_WHERE), postgresql_where=sa.text(REOPEN_WHERE))


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
