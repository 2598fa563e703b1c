"""The migrations build exactly the schema the models describe, on both databases, and go
down and up again."""

from __future__ import annotations

from collections.abc import Callable

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy.engine import Connection

import issues.practice_models  # noqa: F401  (their tables join Base.metadata)
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
    db = Database(db_url)
    to = _mover(db_url)
    try:
        async with db.engine.begin() as conn:
            await conn.run_sync(to, "-1", False)
        async with db.engine.begin() as conn:
            await conn.run_sync(to, "head", True)
        async with db.engine.connect() as conn:
            assert await conn.run_sync(
                lambda c: list(compare_metadata(MigrationContext.configure(c), Base.metadata))
            ) == []
    finally:
        await db.dispose()


def _mover(db_url: str) -> Callable[[Connection, str, bool], None]:
    """Moves a database to a revision, up or down, on the connection it is given."""
    from alembic import command

    cfg = alembic_config(db_url)

    def to(conn: Connection, rev: str, up: bool) -> None:
        cfg.attributes["connection"] = conn
        (command.upgrade if up else command.downgrade)(cfg, rev)

    return to


async def test_upgrade_fills_warn_times_of_existing_issues(db_url: str) -> None:
    """An issue opened before 0003 gets its yellow points (75 % of each clock) on upgrade."""
    from datetime import UTC, datetime, timedelta

    from sqlalchemy import select, text

    from issues.models import Issue

    db = Database(db_url)
    created = datetime(2026, 11, 1, 8, 0, tzinfo=UTC)
    to = _mover(db_url)

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


async def test_upgrade_to_channel_neutral_reports_keeps_the_ledger(db_url: str) -> None:
    """A ledger written at 0003 (Telegram ids on people and reports, and an Open311 request
    with the made-up ids of those days) reads the same after 0004: people by their Telegram
    id, reports by chat and message, the Open311 reporter without a Telegram identity."""
    from datetime import UTC, datetime, timedelta

    from sqlalchemy import text

    from issues.models import Issue
    from issues.service import IssueService
    from issues.settings import load_settings
    from issues.views import PersonRef
    from nlp.types import Detection

    db = Database(db_url)
    created = datetime(2026, 11, 1, 8, 0, tzinfo=UTC)
    at = created.replace(tzinfo=None) if db.is_sqlite else created
    to = _mover(db_url)

    try:
        async with db.engine.begin() as conn:
            await conn.run_sync(to, "0003", False)
        async with db.engine.begin() as conn:
            for stmt in (
                "INSERT INTO people (id, tg_user_id, name, username) VALUES "
                "(1, 11, '李阿姨', NULL), (2, 22, '王网格', 'wang'), (3, -99, 'Open311 用户', "
                "NULL)",
                "INSERT INTO groups (id, chat_id, title, timezone, settings, last_number, "
                "owner_id, created_at) VALUES (1, -5, '幸福社区3栋群', 'Asia/Shanghai', '{}', 2, "
                "2, :t)",
                "INSERT INTO group_admins (group_id, person_id) VALUES (1, 2)",
            ):
                await conn.execute(text(stmt), {"t": at})
            for n, (reporter, msg) in enumerate([(1, 7), (3, -99)], start=1):
                await conn.execute(Issue.__table__.insert().values(
                    id=n, group_id=1, number=n, category="streetlight", summary="路灯坏了",
                    text="路灯坏了", urgent=False, confidence=0.9, status="open",
                    reporter_id=reporter, assignee_id=2 if n == 1 else None,
                    escalation_level=0, report_count=1, source_message_id=msg,
                    created_at=created, updated_at=created,
                    ack_due_at=created + timedelta(hours=4),
                    resolve_due_at=created + timedelta(days=4), version=1))
                await conn.execute(text(
                    "INSERT INTO reports (issue_id, chat_id, message_id, person_id, text, "
                    "created_at) VALUES (:i, -5, :m, :p, '路灯坏了', :t)"),
                    {"i": n, "m": msg, "p": reporter, "t": at})
        async with db.engine.begin() as conn:
            await conn.run_sync(to, "head", True)

        settings = load_settings(overrides={"database_url": db_url}, env={})
        svc = IssueService(db, settings, clock=lambda: created + timedelta(hours=1))
        mine = await svc.get_issue(-5, 1)
        assert mine.reporter == PersonRef(11, "李阿姨", None)
        assert mine.assignee == PersonRef(22, "王网格", "wang")
        assert (await svc.find_by_source_message(-5, 7)).id == 1  # type: ignore[union-attr]
        group = await svc.get_group(-5)
        assert group is not None and group.owner == PersonRef(22, "王网格", "wang")
        assert [i.number for i in await svc.mine(-5, 11)] == [1]
        assert await svc.find_person("wang") == PersonRef(22, "王网格", "wang")
        # The Open311 request: its reporter is nobody on Telegram, its issue no chat message.
        forged = await svc.get_issue(-5, 2)
        assert forged.reporter == PersonRef(None, "Open311 用户", None)
        assert forged.source_message_id is None
        assert await svc.find_by_source_message(-5, -99) is None
        # The same Telegram user and message, delivered again, are recognised.
        again = await svc.intake(-5, 7, PersonRef(11, "李阿姨"), "路灯坏了",
                                 Detection(True, "streetlight", 0.9, False, None, "路灯坏了"))
        assert again.issue.id == 1 and not again.created and not again.seconded
        async with db.engine.connect() as conn:
            assert (await conn.execute(text("SELECT count(*) FROM people"))).scalar() == 3
        # And back: Telegram ids return to people and reports (made-up ones negative again).
        async with db.engine.begin() as conn:
            await conn.run_sync(to, "0003", False)
        async with db.engine.connect() as conn:
            assert (await conn.execute(text("SELECT tg_user_id FROM people ORDER BY id"))
                    ).scalars().all() == [11, 22, -3]
            assert (await conn.execute(text(
                "SELECT chat_id, message_id FROM reports ORDER BY issue_id"))).all() == [
                (-5, 7), (-5, -2)]
    finally:
        await db.dispose()
