"""notices: a unit's official notices to every group under it, their follow-ups, and one
post per group and notice (or follow-up) with how its delivery went

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-30 14:00:00
"""
import sqlalchemy as sa
from alembic import op

import issues.models

revision = '0008'
down_revision = '0007'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'notices',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('unit_id', sa.Integer(), nullable=False),
        sa.Column('number', sa.Integer(), nullable=False),
        sa.Column('text', sa.Text(), nullable=False),
        sa.Column('author_id', sa.Integer(), nullable=True),
        sa.Column('created_at', issues.models.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['author_id'], ['people.id']),
        sa.ForeignKeyConstraint(['unit_id'], ['org_units.id']),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('unit_id', 'number'),
    )
    op.create_table(
        'notice_followups',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('notice_id', sa.Integer(), nullable=False),
        sa.Column('seq', sa.Integer(), nullable=False),
        sa.Column('text', sa.Text(), nullable=False),
        sa.Column('author_id', sa.Integer(), nullable=True),
        sa.Column('created_at', issues.models.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['author_id'], ['people.id']),
        sa.ForeignKeyConstraint(['notice_id'], ['notices.id'], ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('notice_id', 'seq'),
    )
    op.create_table(
        'notice_posts',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('notice_id', sa.Integer(), nullable=False),
        sa.Column('seq', sa.Integer(), nullable=False),
        sa.Column('group_id', sa.Integer(), nullable=False),
        sa.Column('status', sa.String(length=10), nullable=False),
        sa.Column('message_id', sa.BigInteger(), nullable=True),
        sa.Column('members', sa.Integer(), nullable=True),
        sa.Column('error', sa.String(length=200), nullable=True),
        sa.Column('sent_at', issues.models.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(['group_id'], ['groups.id']),
        sa.ForeignKeyConstraint(['notice_id'], ['notices.id'], ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('notice_id', 'seq', 'group_id'),
    )
    op.create_index('ix_notice_posts_status', 'notice_posts', ['status', 'id'], unique=False)


def downgrade() -> None:
    op.drop_index('ix_notice_posts_status', table_name='notice_posts')
    op.drop_table('notice_posts')
    op.drop_table('notice_followups')
    op.drop_table('notices')
