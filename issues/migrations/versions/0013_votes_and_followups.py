"""votes and follow-ups: a group's votes (native polls) with their results and named voters'
answers; the follow-up of resolutions nobody rated, found by (status, resolved_at)

Revision ID: 0013
Revises: 0012
Create Date: 2026-11-30 20:00:00
"""
import sqlalchemy as sa
from alembic import op

import issues.models

revision = '0013'
down_revision = '0012'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'votes',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('group_id', sa.Integer(), nullable=False),
        sa.Column('number', sa.Integer(), nullable=False),
        sa.Column('title', sa.String(length=300), nullable=False),
        sa.Column('options', sa.JSON(), nullable=False),
        sa.Column('anonymous', sa.Boolean(), nullable=False),
        sa.Column('poll_id', sa.String(length=100), nullable=True),
        sa.Column('message_id', sa.BigInteger(), nullable=True),
        sa.Column('created_by', sa.Integer(), nullable=True),
        sa.Column('created_at', issues.models.UTCDateTime(timezone=True), nullable=False),
        sa.Column('closes_at', issues.models.UTCDateTime(timezone=True), nullable=False),
        sa.Column('closed_at', issues.models.UTCDateTime(timezone=True), nullable=True),
        sa.Column('counts', sa.JSON(), nullable=True),
        sa.Column('voters', sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(['created_by'], ['people.id']),
        sa.ForeignKeyConstraint(['group_id'], ['groups.id']),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('group_id', 'number'),
        sa.UniqueConstraint('poll_id'),
    )
    op.create_index(op.f('ix_votes_closes_at'), 'votes', ['closes_at'], unique=False)
    op.create_table(
        'vote_ballots',
        sa.Column('vote_id', sa.Integer(), nullable=False),
        sa.Column('person_id', sa.Integer(), nullable=False),
        sa.Column('option_ids', sa.JSON(), nullable=False),
        sa.Column('at', issues.models.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['person_id'], ['people.id']),
        sa.ForeignKeyConstraint(['vote_id'], ['votes.id'], ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('vote_id', 'person_id'),
    )
    op.create_table(
        'followups',
        sa.Column('issue_id', sa.Integer(), nullable=False),
        sa.Column('resolved_at', issues.models.UTCDateTime(timezone=True), nullable=False),
        sa.Column('asked_at', issues.models.UTCDateTime(timezone=True), nullable=True),
        sa.Column('outcome', sa.String(length=10), nullable=False),
        sa.ForeignKeyConstraint(['issue_id'], ['issues.id'], ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('issue_id', 'resolved_at'),
    )
    op.create_index('ix_followups_outcome_asked', 'followups', ['outcome', 'asked_at'],
                    unique=False)
    op.create_index('ix_issues_status_resolved', 'issues', ['status', 'resolved_at'],
                    unique=False)


def downgrade() -> None:
    op.drop_index('ix_issues_status_resolved', table_name='issues')
    op.drop_index('ix_followups_outcome_asked', table_name='followups')
    op.drop_table('followups')
    op.drop_table('vote_ballots')
    op.drop_index(op.f('ix_votes_closes_at'), table_name='votes')
    op.drop_table('votes')
