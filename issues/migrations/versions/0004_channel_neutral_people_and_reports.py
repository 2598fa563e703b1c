"""channel-neutral people and reports: identities per channel; a report's channel, scope and
external id instead of a Telegram chat and message id

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-26 10:00:00

People: each `people.tg_user_id` becomes a ('telegram', id) identity. Negative ids were
never Telegram users (Open311 requests made them up from a checksum): those people keep
their names and get no identity. Reports: a chat message becomes ('telegram', chat id,
message id); a negative message id was Open311's made-up one and becomes an ('open311', '',
id) report, and its issue no longer points at a chat message.
"""
import sqlalchemy as sa
from alembic import op

revision = '0004'
down_revision = '0003'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'person_identities',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('person_id', sa.Integer(), nullable=False),
        sa.Column('channel', sa.String(length=20), nullable=False),
        sa.Column('external_id', sa.String(length=200), nullable=False),
        sa.ForeignKeyConstraint(['person_id'], ['people.id'], ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('channel', 'external_id', name='uq_person_identities_external'),
        sa.UniqueConstraint('person_id', 'channel', name='uq_person_identities_person'),
    )
    op.execute(
        "INSERT INTO person_identities (person_id, channel, external_id) "
        "SELECT id, 'telegram', CAST(tg_user_id AS VARCHAR(200)) FROM people "
        "WHERE tg_user_id > 0")
    with op.batch_alter_table('people') as batch_op:
        batch_op.drop_column('tg_user_id')

    with op.batch_alter_table('reports') as batch_op:
        batch_op.add_column(sa.Column('channel', sa.String(length=20), nullable=True))
        batch_op.add_column(sa.Column('scope', sa.String(length=100), nullable=True))
        batch_op.add_column(sa.Column('external_id', sa.String(length=200), nullable=True))
    op.execute(
        "UPDATE issues SET source_message_id = NULL WHERE source_message_id < 0")
    op.execute(
        "UPDATE reports SET "
        "channel = CASE WHEN message_id < 0 THEN 'open311' ELSE 'telegram' END, "
        "scope = CASE WHEN message_id < 0 THEN '' ELSE CAST(chat_id AS VARCHAR(100)) END, "
        "external_id = CAST(message_id AS VARCHAR(200))")
    with op.batch_alter_table('reports') as batch_op:
        batch_op.alter_column('channel', existing_type=sa.String(length=20), nullable=False)
        batch_op.alter_column('scope', existing_type=sa.String(length=100), nullable=False)
        batch_op.alter_column('external_id', existing_type=sa.String(length=200),
                              nullable=False)
        batch_op.drop_column('message_id')
        batch_op.drop_column('chat_id')
        batch_op.create_unique_constraint('uq_reports_external',
                                          ['channel', 'scope', 'external_id'])


def downgrade() -> None:
    with op.batch_alter_table('reports') as batch_op:
        batch_op.add_column(sa.Column('chat_id', sa.BigInteger(), nullable=True))
        batch_op.add_column(sa.Column('message_id', sa.BigInteger(), nullable=True))
    # A report that was no chat message gets a made-up negative message id again.
    op.execute(
        "UPDATE reports SET "
        "chat_id = (SELECT groups.chat_id FROM issues JOIN groups ON groups.id = "
        "issues.group_id WHERE issues.id = reports.issue_id), "
        "message_id = CASE WHEN channel = 'telegram' THEN CAST(external_id AS BIGINT) "
        "ELSE -id END")
    with op.batch_alter_table('reports') as batch_op:
        batch_op.drop_constraint('uq_reports_external', type_='unique')
        batch_op.alter_column('chat_id', existing_type=sa.BigInteger(), nullable=False)
        batch_op.alter_column('message_id', existing_type=sa.BigInteger(), nullable=False)
        batch_op.drop_column('external_id')
        batch_op.drop_column('scope')
        batch_op.drop_column('channel')
        batch_op.create_unique_constraint('reports_chat_id_message_id_key',
                                          ['chat_id', 'message_id'])

    with op.batch_alter_table('people') as batch_op:
        batch_op.add_column(sa.Column('tg_user_id', sa.BigInteger(), nullable=True))
    op.execute(
        "UPDATE people SET tg_user_id = COALESCE((SELECT CAST(external_id AS BIGINT) FROM "
        "person_identities WHERE person_identities.person_id = people.id AND channel = "
        "'telegram'), -id)")
    with op.batch_alter_table('people') as batch_op:
        batch_op.alter_column('tg_user_id', existing_type=sa.BigInteger(), nullable=False)
        batch_op.create_unique_constraint('people_tg_user_id_key', ['tg_user_id'])
    op.drop_table('person_identities')
