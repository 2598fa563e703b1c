"""help requests and volunteers: residents' requests for a neighbour's hand (求助、微心愿),
claimed and done by volunteers for points; volunteer lists of groups and units

Revision ID: 0014
Revises: 0013
Create Date: 2026-11-30 21:00:00
"""
import sqlalchemy as sa
from alembic import op

import issues.models

revision = '0014'
down_revision = '0013'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'help_requests',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('group_id', sa.Integer(), nullable=False),
        sa.Column('number', sa.Integer(), nullable=False),
        sa.Column('text', sa.Text(), nullable=False),
        sa.Column('needs', sa.JSON(), nullable=False),
        sa.Column('place', sa.String(length=200), nullable=True),
        sa.Column('requester_id', sa.Integer(), nullable=False),
        sa.Column('source_message_id', sa.BigInteger(), nullable=True),
        sa.Column('card_message_id', sa.BigInteger(), nullable=True),
        sa.Column('status', sa.String(length=10), nullable=False),
        sa.Column('volunteer_id', sa.Integer(), nullable=True),
        sa.Column('points', sa.Integer(), nullable=False),
        sa.Column('created_at', issues.models.UTCDateTime(timezone=True), nullable=False),
        sa.Column('claimed_at', issues.models.UTCDateTime(timezone=True), nullable=True),
        sa.Column('done_at', issues.models.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(['group_id'], ['groups.id']),
        sa.ForeignKeyConstraint(['requester_id'], ['people.id']),
        sa.ForeignKeyConstraint(['volunteer_id'], ['people.id']),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('group_id', 'number'),
        sa.UniqueConstraint('group_id', 'source_message_id'),
    )
    op.create_index('ix_help_requests_group_done', 'help_requests', ['group_id', 'done_at'],
                    unique=False)
    op.create_index('ix_help_requests_volunteer_done', 'help_requests',
                    ['volunteer_id', 'done_at'], unique=False)
    op.create_table(
        'volunteers',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('person_id', sa.Integer(), nullable=False),
        sa.Column('scope', sa.String(length=30), nullable=False),
        sa.Column('group_id', sa.Integer(), nullable=True),
        sa.Column('unit_id', sa.Integer(), nullable=True),
        sa.Column('joined_at', issues.models.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['group_id'], ['groups.id']),
        sa.ForeignKeyConstraint(['person_id'], ['people.id']),
        sa.ForeignKeyConstraint(['unit_id'], ['org_units.id']),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('person_id', 'scope'),
    )
    op.create_index('ix_volunteers_scope', 'volunteers', ['scope'], unique=False)


def downgrade() -> None:
    op.drop_index('ix_volunteers_scope', table_name='volunteers')
    op.drop_table('volunteers')
    op.drop_index('ix_help_requests_volunteer_done', table_name='help_requests')
    op.drop_index('ix_help_requests_group_done', table_name='help_requests')
    op.drop_table('help_requests')
