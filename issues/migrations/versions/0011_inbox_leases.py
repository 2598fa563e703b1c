"""inbox leases: which worker holds a stored update and when it last said it is alive, so
another worker takes over what a dead one held

Revision ID: 0011
Revises: 0010
Create Date: 2026-11-30 14:00:00

Rows stored before have neither: they count as expired and are taken by the next worker.
"""
import sqlalchemy as sa
from alembic import op

import issues.models

revision = '0011'
down_revision = '0010'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('inbox') as batch_op:
        batch_op.add_column(sa.Column('worker', sa.String(length=80), nullable=True))
        batch_op.add_column(sa.Column('leased_at', issues.models.UTCDateTime(timezone=True),
                                      nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('inbox') as batch_op:
        batch_op.drop_column('leased_at')
        batch_op.drop_column('worker')
