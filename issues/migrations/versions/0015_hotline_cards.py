"""hotline cards: issues another channel opened whose card is not posted yet (a 12345 import
run beside the bot) are found by (card_message_id, created_at)

Revision ID: 0015
Revises: 0014
Create Date: 2026-11-30 22:00:00
"""
from alembic import op

revision = '0015'
down_revision = '0014'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index('ix_issues_card_created', 'issues', ['card_message_id', 'created_at'],
                    unique=False)


def downgrade() -> None:
    op.drop_index('ix_issues_card_created', table_name='issues')
