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
