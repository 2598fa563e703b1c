"""dashboard sessions kept server-side; one-time codes for district-level acts

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-30 11:00:00
"""
import sqlalchemy as sa
from alembic import op

import issues.models

revision = '0007'
down_revision = '0006'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'web_sessions',
        sa.Column('id_hash', sa.String(length=64), nullable=False),
        sa.Column('role', sa.String(length=10), nullable=False),
        sa.Column('key', sa.String(length=64), nullable=False),
        sa.Column('created_at', issues.models.UTCDateTime(timezone=True), nullable=False),
        sa.Column('expires_at', issues.models.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint('id_hash'),
    )
    op.create_index(op.f('ix_web_sessions_expires_at'), 'web_sessions', ['expires_at'])
    op.create_table(
        'access_codes',
        sa.Column('code_hash', sa.String(length=64), nullable=False),
        sa.Column('created_at', issues.models.UTCDateTime(timezone=True), nullable=False),
        sa.Column('expires_at', issues.models.UTCDateTime(timezone=True), nullable=False),
        sa.Column('used_at', issues.models.UTCDateTime(timezone=True), nullable=True),
        sa.Column('used_in_chat', sa.BigInteger(), nullable=True),
        sa.PrimaryKeyConstraint('code_hash'),
    )


def downgrade() -> None:
    op.drop_table('access_codes')
    op.drop_index(op.f('ix_web_sessions_expires_at'), table_name='web_sessions')
    op.drop_table('web_sessions')
