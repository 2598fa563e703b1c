"""supervision and joint cases: issues a higher unit supervises (督办), and the departments a
hard case was sent to at once (攻坚), each with its own part to report

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-30 16:00:00
"""
import sqlalchemy as sa
from alembic import op

import issues.models

revision = '0009'
down_revision = '0008'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'supervisions',
        sa.Column('issue_id', sa.Integer(), nullable=False),
        sa.Column('unit_id', sa.Integer(), nullable=True),
        sa.Column('by_id', sa.Integer(), nullable=True),
        sa.Column('at', issues.models.UTCDateTime(timezone=True), nullable=False),
        sa.Column('note', sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(['by_id'], ['people.id']),
        sa.ForeignKeyConstraint(['issue_id'], ['issues.id'], ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['unit_id'], ['org_units.id']),
        sa.PrimaryKeyConstraint('issue_id'),
    )
    op.create_table(
        'joint_parts',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('issue_id', sa.Integer(), nullable=False),
        sa.Column('department_code', sa.String(length=40), nullable=False),
        sa.Column('status', sa.String(length=10), nullable=False),
        sa.Column('person_id', sa.Integer(), nullable=True),
        sa.Column('note', sa.Text(), nullable=True),
        sa.Column('created_at', issues.models.UTCDateTime(timezone=True), nullable=False),
        sa.Column('done_at', issues.models.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(['issue_id'], ['issues.id'], ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['person_id'], ['people.id']),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('issue_id', 'department_code'),
    )


def downgrade() -> None:
    op.drop_table('joint_parts')
    op.drop_table('supervisions')
