"""One engine and one session factory per process; migrations through Alembic."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import sqlite3
from importlib import resources
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import event
from sqlalchemy.engine import Connection, make_url
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)

from issues import sqlite_driver

log = logging.getLogger(__name__)

MIGRATIONS = Path(str(resources.files("issues") / "migrations"))  # installed with the package
# Write transactions between two checkpoints of a SQLite WAL: a complaint's transaction
# adds some 40 pages, so the log stays well under SQLite's own checkpoint at 1,000 pages.
CHECKPOINT_EVERY = 16
AUTOCHECKPOINT = 10_000  # pages (40 MB): SQLite's own checkpoint, for a log ours fell behind


def alembic_config(url: str) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    cfg.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return cfg


def _sqlite_pragmas(dbapi_conn: Any, _: Any) -> None:
    cur = dbapi_conn.cursor()
    cur.execute("PRAGMA journal_mode=WAL")
    cur.execute("PRAGMA foreign_keys=ON")
    cur.execute("PRAGMA busy_timeout=15000")
    cur.execute("PRAGMA synchronous=NORMAL")
    # The WAL is checkpointed in the background (`Database.wrote`); SQLite's own checkpoint,
    # in the commit that stops the event loop, is left for a log that outgrew those.
    cur.execute(f"PRAGMA wal_autocheckpoint={AUTOCHECKPOINT}")
    cur.execute("PRAGMA cache_size=-65536")
    # Pages read through the OS's cache in place: a new connection (several readers work
    # side by side) reads a district's month at once instead of copying it page by page.
    cur.execute("PRAGMA mmap_size=2147483648")
    cur.close()


class SchemaBehind(RuntimeError):
    """The database is not at this version's newest migration. Only `suqiu db upgrade`
    migrates (a deployment of several workers must not race to alter one schema); a worker
    that finds the schema behind stops and says so."""

    def __init__(self, current: str | None, head: str) -> None:
        self.current, self.head = current, head
        super().__init__(f"database schema at {current or 'none'}, this version needs {head}: "
                         "run `suqiu db upgrade`")


class Database:
    """The engine and sessionmaker; `upgrade()` brings the schema to the newest migration
    (for `suqiu db upgrade` and fresh test or sandbox ledgers), `require_current()` is what
    every other process does."""

    def __init__(self, url: str, *, echo: bool = False) -> None:
        self.url = url
        self.is_sqlite = url.startswith("sqlite")
        self._path = ""  # a SQLite file's, to checkpoint its WAL (`wrote`)
        kwargs: dict[str, Any] = {"echo": echo}
        if self.is_sqlite:
            database = make_url(url).database
            self._path = database if database and database != ":memory:" else ""
            if self._path:
                Path(self._path).parent.mkdir(parents=True, exist_ok=True)
            kwargs["connect_args"] = {"timeout": 15}
            # The connection used last goes out first: its page cache holds what the last
            # transaction read and wrote. Handed out in turn, each connection found the
            # file changed by the others and read its pages afresh (an intake's transaction
            # took 8 % longer with three connections in the pool).
            kwargs["pool_use_lifo"] = True
            # Kept open: the dashboard reads its figures side by side, ten sessions at once;
            # past five, each page opened and closed connections of its own (3-5 a page, each
            # with an empty page cache and its statements prepared again).
            kwargs["pool_size"] = 10
            if url.startswith("sqlite+aiosqlite"):
                # One thread hop per statement, or none (sqlite_driver.on_loop): a connection
                # serves one session at a time, from the loop or from aiosqlite's thread.
                kwargs["module"] = sqlite_driver.dbapi()
                kwargs["connect_args"]["check_same_thread"] = False
        else:
            kwargs.update(pool_size=10, max_overflow=20, pool_pre_ping=True)
            if url.startswith("postgresql+asyncpg"):
                # No JIT: it compiles every aggregate over a month of issues (80 ms, more
                # than reading the rows takes) and pays back only on analytic queries.
                kwargs["connect_args"] = {"server_settings": {"jit": "off"}}
        self.engine: AsyncEngine = create_async_engine(url, **kwargs)
        if self.is_sqlite:
            event.listen(self.engine.sync_engine, "connect", _sqlite_pragmas)
        self.sessionmaker: async_sessionmaker[AsyncSession] = async_sessionmaker(
            self.engine, expire_on_commit=False
        )
        self._writes = 0
        self._checkpoint: asyncio.Task[None] | None = None
        self._checkpointer: sqlite3.Connection | None = None

    def wrote(self) -> None:
        """A write transaction committed. On SQLite, every few of them the WAL is copied
        back into the database in the background (`_checkpoint_wal`). Otherwise SQLite does
        it itself in the commit that crosses 1,000 pages, with two fsyncs: the writes run on
        the event loop (`sqlite_driver.on_loop`), so every chat stopped for 5 to 180 ms
        about once in 25 complaints."""
        if not self._path:
            return
        self._writes += 1
        if self._writes < CHECKPOINT_EVERY or (
                self._checkpoint is not None and not self._checkpoint.done()):
            return
        self._writes = 0
        self._checkpoint = asyncio.get_running_loop().create_task(
            self._checkpoint_wal(), name="suqiu-wal-checkpoint")

    async def _checkpoint_wal(self) -> None:
        """A passive checkpoint in a thread, on a plain sqlite3 connection of its own (one
        trip there and back; through the engine's pool it took three): it waits for nobody,
        and writers go on appending to the WAL meanwhile."""
        try:
            await asyncio.to_thread(self._checkpoint_here)
        except Exception:  # SQLite's own checkpoint is still there if this one fails
            log.exception("WAL checkpoint failed")

    def _checkpoint_here(self) -> None:
        if self._checkpointer is None:
            self._checkpointer = sqlite3.connect(self._path, check_same_thread=False,
                                                 isolation_level=None)
            self._checkpointer.execute("PRAGMA synchronous=NORMAL")
        self._checkpointer.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchall()

    async def upgrade(self) -> tuple[str | None, str | None]:
        """Migrate to the newest revision; the revisions before and after (equal when there
        was nothing to do), so the operator is told which of the two happened."""
        cfg = alembic_config(self.url)

        def run(conn: Connection) -> tuple[str | None, str | None]:
            before = MigrationContext.configure(conn).get_current_revision()
            cfg.attributes["connection"] = conn
            command.upgrade(cfg, "head")
            return before, MigrationContext.configure(conn).get_current_revision()

        async with self.engine.begin() as conn:
            revisions = await conn.run_sync(run)
        if self.is_sqlite:
            await self.engine.dispose()  # new connections: the pragmas of `_sqlite_pragmas`
        return revisions

    async def require_current(self) -> None:
        """Raise SchemaBehind unless the database is at the newest migration."""
        head = ScriptDirectory.from_config(alembic_config(self.url)).get_current_head()
        assert head is not None

        def current(conn: Connection) -> str | None:
            return MigrationContext.configure(conn).get_current_revision()

        async with self.engine.connect() as conn:
            at = await conn.run_sync(current)
        if at != head:
            raise SchemaBehind(at, head)

    async def dispose(self) -> None:
        task = self._checkpoint
        if task is not None and task.get_loop() is asyncio.get_running_loop():
            with contextlib.suppress(asyncio.CancelledError):
                await task
        if self._checkpointer is not None:
            self._checkpointer.close()
            self._checkpointer = None
        await self.engine.dispose()


async def check_schema(url: str) -> None:
    """Raise SchemaBehind unless the database at `url` is at the newest migration: what a
    process checks before it starts serving."""
    db = Database(url)
    try:
        await db.require_current()
    finally:
        await db.dispose()
