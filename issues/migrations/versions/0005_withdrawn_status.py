"""false detections become withdrawn, out of the statistics

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-30 12:00:00

Until now a "not an issue" press made an issue `rejected` with a `false_positive` event,
so it read as the owner refusing a request and counted in every figure. Those issues become
`withdrawn`; the event stays as it was. Downgrade turns them back into rejections.
"""
from alembic import op

revision = '0005'
down_revision = '0004'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute(
        "UPDATE issues SET status = 'withdrawn' WHERE status = 'rejected' AND id IN "
        "(SELECT issue_id FROM events WHERE kind = 'false_positive')")


def downgrade() -> None:
    op.execute("UPDATE issues SET status = 'rejected' WHERE status = 'withdrawn'")
