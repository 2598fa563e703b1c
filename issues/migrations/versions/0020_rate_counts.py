"""counts of limited acts (failed logins per address, reports per person) shared by every
worker of one database and kept through restarts

Revision ID: 0020
Revises: 0019
Create Date: 2026-12-01 07:40:00
"""
import sqlalchemy as sa
from alembic import op

import issues.models

revision = '0020'
down_revision = '0019'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'rate_counts',
        sa.Column('kind', sa.String(length=16), nullable=False),
        sa.Column('who', sa.String(length=64), nullable=False),
        sa.Column('since', issues.models.UTCDateTime(timezone=True), nullable=False),
        sa.Column('n', sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint('kind', 'who'),
    )
    op.create_index(op.f('ix_rate_counts_since'), 'rate_counts', ['since'])


def downgrade() -> None:
    op.drop_index(op.f('ix_rate_counts_since'), table_name='rate_counts')
    op.drop_table('rate_counts')
