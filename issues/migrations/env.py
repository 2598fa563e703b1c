"""Alembic environment: uses the connection handed in by issues.db.Database.upgrade, or
opens its own from sqlalchemy.url when run through the alembic command line."""

from __future__ import annotations

import asyncio

from alembic import context
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import create_async_engine

import issues.practice_models  # noqa: F401  (their tables join Base.metadata)
from issues.models import Base

target_metadata = Base.metadata


def _run(connection: Connection) -> None:
    sqlite = connection.dialect.name == "sqlite"
    if sqlite:
        # SQLite changes a table by copying it (batch mode); with foreign keys on, dropping
        # the old copy of a table others point to fails. SQLite's own advice: turn them off
        # for the change (effective before the first write of the transaction), then check.
        # Database.upgrade disposes its connections afterwards, so none keeps them off.
        connection.exec_driver_sql("PRAGMA foreign_keys=OFF")
    context.configure(connection=connection, target_metadata=target_metadata,
                      render_as_batch=sqlite, compare_type=True)
    with context.begin_transaction():
        context.run_migrations()
    if sqlite:
        broken = connection.exec_driver_sql("PRAGMA foreign_key_check").all()
        if broken:
            raise RuntimeError(f"migration left rows pointing nowhere: {broken[:5]}")


async def _run_async(url: str) -> None:
    engine = create_async_engine(url)
    async with engine.begin() as conn:
        await conn.run_sync(_run)
    await engine.dispose()


connection = context.config.attributes.get("connection")
if connection is not None:
    _run(connection)
else:
    asyncio.run(_run_async(context.config.get_main_option("sqlalchemy.url") or ""))
