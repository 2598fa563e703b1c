"""inbox of Telegram updates fetched but not yet handled; warn times and light indexes

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
    with op.batch_alter_table('issues') as batch_op:
        batch_op.add_column(sa.Column('ack_warn_at', issues.models.UTCDateTime(timezone=True),
                                      nullable=True))
        batch_op.add_column(sa.Column('resolve_warn_at',
                                      issues.models.UTCDateTime(timezone=True), nullable=True))
    _backfill_warn_times()
    op.create_index('ix_issues_status_ackwarn', 'issues', ['status', 'ack_warn_at'])
    op.create_index('ix_issues_status_resolvewarn', 'issues', ['status', 'resolve_warn_at'])
    # A group's yellow and red counts walk (group, status, due) ranges; the old
    # (group, status) index is a prefix of both.
    op.create_index('ix_issues_group_status_ackdue', 'issues',
                    ['group_id', 'status', 'ack_due_at'])
    op.create_index('ix_issues_group_status_resolvedue', 'issues',
                    ['group_id', 'status', 'resolve_due_at'])
    op.drop_index('ix_issues_group_status', table_name='issues')


def _backfill_warn_times(ratio: float = 0.75) -> None:
    """Warn times of existing issues at the default yellow ratio (75 %), a batch at a time."""
    issues_t = sa.table('issues', sa.column('id', sa.Integer),
                        sa.column('created_at', issues.models.UTCDateTime()),
                        sa.column('ack_due_at', issues.models.UTCDateTime()),
                        sa.column('resolve_due_at', issues.models.UTCDateTime()),
                        sa.column('ack_warn_at', issues.models.UTCDateTime()),
                        sa.column('resolve_warn_at', issues.models.UTCDateTime()))
    conn = op.get_bind()
    last = 0
    while True:
        rows = conn.execute(
            sa.select(issues_t.c.id, issues_t.c.created_at, issues_t.c.ack_due_at,
                      issues_t.c.resolve_due_at)
            .where(issues_t.c.id > last).order_by(issues_t.c.id).limit(5000)).all()
        if not rows:
            return
        conn.execute(
            issues_t.update().where(issues_t.c.id == sa.bindparam('b_id')).values(
                ack_warn_at=sa.bindparam('b_ack'), resolve_warn_at=sa.bindparam('b_res')),
            [{'b_id': i, 'b_ack': c + (a - c) * ratio, 'b_res': c + (r - c) * ratio}
             for i, c, a, r in rows])
        last = rows[-1][0]


def downgrade() -> None:
    op.drop_index('ix_issues_status_resolvewarn', table_name='issues')
    op.drop_index('ix_issues_status_ackwarn', table_name='issues')
    with op.batch_alter_table('issues') as batch_op:
        batch_op.drop_column('resolve_warn_at')
        batch_op.drop_column('ack_warn_at')
    op.create_index('ix_issues_group_status', 'issues', ['group_id', 'status'])
    op.drop_index('ix_issues_group_status_resolvedue', table_name='issues')
    op.drop_index('ix_issues_group_status_ackdue', table_name='issues')
    op.drop_table('inbox')
