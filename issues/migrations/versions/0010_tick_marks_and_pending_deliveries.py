"""tick marks and pending deliveries: how far the reminder scan has looked, and an index for
taking back claims whose lease ran out

Revision ID: 0010
Revises: 0009
Create Date: 2026-11-30 12:00:00

The reminder scan claims each light's turn in the range after its mark; with no mark it
starts one interval back (reminders of earlier turns were sent by the scan it replaces).
"""
import sqlalchemy as sa
from alembic import op

import issues.models

revision = '0010'
down_revision = '0009'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'tick_marks',
        sa.Column('name', sa.String(length=40), nullable=False),
        sa.Column('at', issues.models.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint('name'),
    )
    op.create_index('ix_deliveries_status_claimed', 'deliveries', ['status', 'claimed_at'])


def downgrade() -> None:
    op.drop_index('ix_deliveries_status_claimed', table_name='deliveries')
    op.drop_table('tick_marks')
