"""The migrations build exactly the schema the models describe, on both databases, and go
down and up again."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy.engine import Connection

from issues.db import Database, alembic_config
from issues.models import Base


async def test_migrations_match_the_models(db_url: str) -> None:
    db = Database(db_url)
    try:
        def diff(conn: Connection) -> list[object]:
            return list(compare_metadata(MigrationContext.configure(conn), Base.metadata))

        async with db.engine.connect() as conn:
            assert await conn.run_sync(diff) == []
    finally:
        await db.dispose()


async def test_downgrade_one_step_and_up_again(db_url: str) -> None:
    from alembic import command

    db = Database(db_url)
    try:
        cfg = alembic_config(db_url)

        def step(conn: Connection, up: bool) -> None:
            cfg.attributes["connection"] = conn
            (command.upgrade if up else command.downgrade)(cfg, "head" if up else "-1")

        async with db.engine.begin() as conn:
            await conn.run_sync(step, False)
        async with db.engine.begin() as conn:
            await conn.run_sync(step, True)
        async with db.engine.connect() as conn:
            assert await conn.run_sync(
                lambda c: list(compare_metadata(MigrationContext.configure(c), Base.metadata))
            ) == []
    finally:
        await db.dispose()


async def test_upgrade_fills_warn_times_of_existing_issues(db_url: str) -> None:
    """An issue opened before 0003 gets its yellow points (75 % of each clock) on upgrade."""
    from datetime import UTC, datetime, timedelta

    from alembic import command
    from sqlalchemy import select, text

    from issues.models import Issue

    db = Database(db_url)
    cfg = alembic_config(db_url)
    created = datetime(2026, 11, 1, 8, 0, tzinfo=UTC)

    def to(conn: Connection, rev: str, up: bool) -> None:
        cfg.attributes["connection"] = conn
        (command.upgrade if up else command.downgrade)(cfg, rev)

    try:
        async with db.engine.begin() as conn:
            await conn.run_sync(to, "0002", False)
        async with db.engine.begin() as conn:
            await conn.execute(text(
                "INSERT INTO people (id, tg_user_id, name) VALUES (1, 11, '李阿姨')"))
            await conn.execute(text(
                "INSERT INTO groups (id, chat_id, title, timezone, settings, last_number, "
                "created_at) VALUES (1, -5, '群', 'Asia/Shanghai', '{}', 1, :t)"),
                {"t": created.replace(tzinfo=None) if db.is_sqlite else created})
        async with db.engine.begin() as conn:
            await conn.execute(Issue.__table__.insert().values(
                id=1, group_id=1, number=1, category="streetlight", summary="路灯坏了",
                text="路灯坏了", urgent=False, confidence=0.9, status="open", reporter_id=1,
                escalation_level=0, report_count=1, created_at=created, updated_at=created,
                ack_due_at=created + timedelta(hours=4),
                resolve_due_at=created + timedelta(days=4), version=1))
        async with db.engine.begin() as conn:
            await conn.run_sync(to, "head", True)
        async with db.engine.connect() as conn:
            ack, res = (await conn.execute(select(Issue.ack_warn_at, Issue.resolve_warn_at)
                                           )).one()
        assert ack == created + timedelta(hours=3)
        assert res == created + timedelta(days=3)
    finally:
        await db.dispose()
