"""the kind of emergency the detector recognised (gas, fire, elevator, power, flood,
collapse), stored with an urgent issue so the card's advice follows what was said

Revision ID: 0012
Revises: 0011
Create Date: 2026-11-30 18:00:00
"""
import sqlalchemy as sa
from alembic import op

revision = '0012'
down_revision = '0011'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('issues') as batch:
        batch.add_column(sa.Column('urgent_kind', sa.String(length=16), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('issues') as batch:
        batch.drop_column('urgent_kind')
